import { sql } from 'drizzle-orm';
import type { Database, Tx } from '../db/client.js';
import { statementCounter } from '../db/statement-counter.js';

export type TenantScope = {
  tenantId: string | null;
  userId?: string | null;
  readOnly?: boolean;
};

/**
 * The only way code opens a tenant transaction. One statement switches to the runtime role
 * and sets the tenant and user transaction-locally (the equivalent of SET LOCAL), so a pooled
 * connection never carries them into another request; RLS then sees only this tenant.
 */
export async function withTenantTransaction<T>(db: Database, scope: TenantScope, fn: (tx: Tx) => Promise<T>): Promise<T> {
  statementCounter.add(2); // BEGIN and COMMIT/ROLLBACK, which the driver issues unlogged
  return db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('role', 'anthias_app', true),
      set_config('app.current_tenant_id', ${scope.tenantId ?? ''}, true),
      set_config('app.current_user_id', ${scope.userId ?? ''}, true),
      set_config('transaction_read_only', ${scope.readOnly ? 'on' : 'off'}, true)`);
    return fn(tx);
  });
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
  private readonly committed: (() => Promise<void>)[] = [];

  constructor(
    private readonly db: Database,
    private readonly scope: () => TenantScope,
  ) {}

  /** The transaction, opening it on first call. */
  get(): Promise<Tx> {
    if (this.settled) return Promise.reject(new Error('The request transaction is already settled'));
    if (!this.opened) {
      const decided = new Promise<boolean>((resolve) => (this.outcome = resolve));
      this.opened = new Promise<Tx>((resolveTx, rejectTx) => {
        this.finished = withTenantTransaction(this.db, this.scope(), async (tx) => {
          resolveTx(tx);
          if (!(await decided)) throw ROLLBACK;
        }).catch((err: unknown) => {
          rejectTx(err);
          if (err !== ROLLBACK) throw err;
        });
        this.finished.catch(() => {}); // surfaced by finish()
      });
    }
    return this.opened;
  }

  /** Work that must happen only once the transaction's writes are durable (notifications, cache drops). */
  afterCommit(fn: () => Promise<void>): void {
    this.committed.push(fn);
  }

  /** Commits or rolls back; a failed commit rejects so the caller can fail the response. */
  async finish(commit: boolean): Promise<void> {
    if (!this.opened || this.settled) return;
    this.settled = true;
    this.outcome?.(commit);
    await this.finished;
    if (commit) for (const fn of this.committed.splice(0)) await fn();
  }
}
