import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { rows } from '../db/rows.js';
import type { Logger } from '../logger.js';
import type { Effect, EffectHandlers, QueuedEffect } from './effects.js';

/** How long the writer has to carry its own effects out before the worker takes them over. */
export const INLINE_GRACE_SECONDS = 10;
// The writer waits this long for its effects before answering; they go on in the background.
const INLINE_WAIT_MS = 500;
const POLL_MS = 2_000;
const CLAIM_BATCH = 50;
const LEASE_SECONDS = 60;
/** How long past due another gateway's effect waits for its writer before this worker takes it. */
const ORPHAN_SECONDS = 60;
const MAX_ATTEMPTS = 25;
const DONE_FLUSH_MS = 1_000;

const retryDelaySeconds = (attempts: number): number => Math.min(2 ** attempts, 900);

/**
 * Carries out committed effects: the writing request runs its own right after its commit (so a
 * client reads its own change), and a worker in every instance drains whatever is due (effects
 * whose writer failed or died, and those written by operator commands). A failure never reaches
 * the request that committed: it is logged and retried with back-off, and after MAX_ATTEMPTS the
 * entry stays in the table for an operator.
 */
export class Outbox {
  /** This gateway's name on the effects it writes, so its own worker retries them. */
  readonly origin = randomUUID();
  private timer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  private readonly done: string[] = [];
  private doneTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly handlers: EffectHandlers,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.drain(), POLL_MS);
    this.timer.unref();
  }

  /** Right after a commit: the request's own effects, waited for briefly. Never throws. */
  async runNow(effects: QueuedEffect[]): Promise<void> {
    if (!effects.length) return;
    const all = Promise.all(
      effects.map(async (effect) => {
        try {
          await this.carryOut(effect);
          this.markDone(effect.id);
        } catch (err) {
          this.log.warn({ err, effect: effect.kind, outbox_id: effect.id }, 'effect failed after commit; the outbox worker will retry it');
        }
      }),
    );
    await Promise.race([all, new Promise((resolve) => setTimeout(resolve, INLINE_WAIT_MS).unref())]);
  }

  /** One pass over what is due; concurrent calls share it. */
  drain(): Promise<void> {
    this.draining ??= this.drainOnce().finally(() => (this.draining = undefined));
    return this.draining;
  }

  private async drainOnce(): Promise<void> {
    let claimed: { id: string; kind: Effect['kind']; payload: unknown; attempts: number }[];
    try {
      claimed = await rows(this.db, sql`select * from anthias_outbox_claim(${CLAIM_BATCH}, ${LEASE_SECONDS}, ${this.origin}::text, ${ORPHAN_SECONDS})`);
    } catch (err) {
      this.log.warn({ err }, 'outbox: cannot claim due effects');
      return;
    }
    for (const entry of claimed) {
      const id = String(entry.id);
      try {
        await this.carryOut({ id, kind: entry.kind, payload: entry.payload } as QueuedEffect);
        this.markDone(id);
      } catch (err) {
        const giveUp = entry.attempts >= MAX_ATTEMPTS;
        this.log[giveUp ? 'error' : 'warn']({ err, effect: entry.kind, outbox_id: id, attempts: entry.attempts }, giveUp ? 'effect abandoned after repeated failures' : 'effect failed; retrying later');
        await this.db
          .execute(sql`select anthias_outbox_retry(${id}, ${String((err as Error)?.message ?? err)}, ${giveUp ? null : retryDelaySeconds(entry.attempts)}::integer)`)
          .catch((e: unknown) => this.log.warn({ err: e }, 'outbox: cannot record a failed attempt'));
      }
    }
  }

  private carryOut(effect: QueuedEffect): Promise<void> {
    const handler = this.handlers[effect.kind] as (payload: unknown) => Promise<void>;
    return handler(effect.payload);
  }

  /** Done entries are deleted in batches, off the request path. */
  private markDone(id: string): void {
    this.done.push(id);
    this.doneTimer ??= setTimeout(() => void this.flushDone(), DONE_FLUSH_MS).unref();
  }

  private async flushDone(): Promise<void> {
    this.doneTimer = undefined;
    const ids = this.done.splice(0);
    if (!ids.length) return;
    try {
      await this.db.execute(sql`select anthias_outbox_done(${`{${ids.join(',')}}`}::bigint[])`);
    } catch (err) {
      // Not lost: those entries come due again and are carried out once more (handlers repeat safely).
      this.log.warn({ err, count: ids.length }, 'outbox: cannot record done effects');
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.doneTimer);
    await this.draining;
    await this.flushDone();
  }
}
