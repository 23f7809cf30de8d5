import { sql } from 'drizzle-orm';
import { type Database, meterOf, type Tx } from '../db/client.js';
import { rows, statement } from '../db/rows.js';
import { type Effect, enqueueEffect, type QueuedEffect } from '../outbox/effects.js';
import { INLINE_GRACE_SECONDS } from '../outbox/outbox.js';
import { inSpan } from '../observe/tracing.js';

export type TenantScope = {
  tenantId: string | null;
  userId?: string | null;
  readOnly?: boolean;
  /** Bounds each statement, and any pause inside the transaction (requests set it; operator work need not). */
  timeoutMs?: number;
};

/**
 * Puts an open transaction into a tenant's context: one statement switches to the runtime role
 * and sets the tenant and user transaction-locally (the equivalent of SET LOCAL), so a pooled
 * connection never carries them into another request; RLS then sees only this tenant. Operator
 * commands that must act exactly as a request does (backups, the isolation self-test) call it
 * on their own transaction.
 */
export async function enterTenant(tx: Tx, scope: TenantScope): Promise<void> {
  const timeout = String(scope.timeoutMs ?? 0);
  await rows(tx, ENTER_TENANT, { tenant: scope.tenantId ?? '', user: scope.userId ?? '', readOnly: scope.readOnly ? 'on' : 'off', timeout });
}

const ENTER_TENANT = statement(sql`select set_config('role', 'anthias_app', true),
    set_config('app.current_tenant_id', ${sql.placeholder('tenant')}, true),
    set_config('app.current_user_id', ${sql.placeholder('user')}, true),
    set_config('transaction_read_only', ${sql.placeholder('readOnly')}, true),
    set_config('statement_timeout', ${sql.placeholder('timeout')}, true),
    set_config('idle_in_transaction_session_timeout', ${sql.placeholder('timeout')}, true)`);

/**
 * The only way code opens a transaction for a request: a new transaction in the tenant's context.
 * `pipelined`: the tenant's settings are not awaited but sent with the caller's first statement
 * (one write and one round trip fewer). The connection runs statements in order, so nothing runs
 * before them; if they fail, every later statement of the transaction is refused and this
 * rejects with their error.
 */
export async function withTenantTransaction<T>(db: Database, scope: TenantScope, fn: (tx: Tx) => Promise<T>, pipelined = false): Promise<T> {
  const meter = meterOf(db);
  if (meter) meter.statements += 2; // BEGIN and COMMIT/ROLLBACK, which the driver issues unlogged
  return inSpan('tenant transaction', { 'anthias.tenant_id': scope.tenantId ?? '', 'anthias.read_only': Boolean(scope.readOnly) }, () =>
    db.transaction(async (tx) => {
      if (!pipelined) {
        await enterTenant(tx, scope);
        return fn(tx);
      }
      const [, result] = await Promise.all([enterTenant(tx, scope), fn(tx)]);
      return result;
    }),
  );
}

const ROLLBACK = Symbol('rollback');

/**
 * A request's transaction: opened on first use (many requests never touch the database),
 * settled once when the response is ready: committed on success, rolled back otherwise.
 */
export class RequestTransaction {
  private opened?: Promise<Tx>;
  private outcome?: (commit: boolean) => void;
  private finished?: Promise<void>;
  private settled = false;
  /** Decided once the operation is known: only mutations may write. */
  readOnly = true;
  private readonly effects: QueuedEffect[] = [];

  constructor(
    private readonly db: Database,
    private readonly scope: () => TenantScope,
    /** Waits for this request's place among the pool's connections (fair share); returns its release. */
    private readonly connection: () => Promise<() => void>,
    /** The gateway's outbox name (Outbox.origin): its worker retries what this transaction enqueues. */
    private readonly origin: string | null = null,
  ) {}

  /** The transaction, opening it on first call. */
  get(): Promise<Tx> {
    if (this.settled) return Promise.reject(new Error('The request transaction is already settled'));
    if (!this.opened) {
      const decided = new Promise<boolean>((resolve) => (this.outcome = resolve));
      this.opened = new Promise<Tx>((resolveTx, rejectTx) => {
        this.finished = this.connection()
          .then((release) =>
            withTenantTransaction(
              this.db,
              this.scope(),
              async (tx) => {
                resolveTx(tx);
                if (!(await decided)) throw ROLLBACK;
              },
              true,
            ).finally(release),
          )
          .catch((err: unknown) => {
            rejectTx(err);
            if (err !== ROLLBACK) throw err;
          });
        this.finished.catch(() => {}); // surfaced by finish()
      });
    }
    return this.opened;
  }

  /**
   * What must happen outside the database once this transaction commits (src/outbox): written in
   * the transaction, so it commits or rolls back with the change.
   */
  async enqueue(effect: Effect, opts: { afterAnswer?: boolean } = {}): Promise<void> {
    const same = JSON.stringify(effect);
    if (this.effects.some(({ id: _id, afterAnswer: _a, ...e }) => JSON.stringify(e) === same)) return;
    const queued = await enqueueEffect(await this.get(), effect, INLINE_GRACE_SECONDS, this.origin);
    this.effects.push(opts.afterAnswer ? { ...queued, afterAnswer: true } : queued);
  }

  /**
   * Commits or rolls back; a failed commit rejects so the caller can fail the response. Returns
   * the effects that committed, for the caller to carry out.
   */
  async finish(commit: boolean): Promise<QueuedEffect[]> {
    if (!this.opened || this.settled) return [];
    this.settled = true;
    this.outcome?.(commit);
    if (!commit) {
      // Whatever went wrong was already reported to whoever asked for the transaction.
      await this.finished?.catch(() => {});
      return [];
    }
    await this.finished;
    return this.effects.splice(0);
  }
}
