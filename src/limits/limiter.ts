import { HeaderMap } from '@apollo/server';
import type { KeyValueStore } from '../cache/kv-store.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * How one limit counts:
 * - `exact`: every hit is counted in the store first, atomically, then checked, so concurrent
 *   requests cannot slip past it (sign-in, pairing, sign-up);
 * - `approximate`: hits are counted in this process and added to the store's count in batches
 *   every SYNC_MS, so a request costs no round trip; with N instances the limit can be exceeded by
 *   what the other instances admit within one sync interval (request rates).
 * `whenStoreDown`: `local` keeps limiting from this process's own counters (logged once per
 * outage); `refuse` fails closed with SERVICE_UNAVAILABLE (sign-in: better no sign-in than none
 * limited).
 */
export type LimitPolicy = {
  windowSeconds: number;
  max: number;
  mode: 'exact' | 'approximate';
  whenStoreDown: 'local' | 'refuse';
  /** What the refused client is told. */
  message: string;
};

export type LimitState = { limit: number; remaining: number; resetMs: number };

const SYNC_MS = 1_000;
const MAX_LOCAL_KEYS = 50_000;
/** Counters sent to the store in one round trip at most (a sync sends as many batches as it needs). */
const SYNC_BATCH = 500;

type LocalCounter = { window: number; unsynced: number; known: number; resetAt: number };

/** The one rate limiter: every limit is a named policy (src/limits/policies.ts) counted here. */
export class Limiter<Name extends string> {
  private readonly local = new Map<string, LocalCounter>();
  private syncTimer?: NodeJS.Timeout;
  private degraded = false;
  /** Requests refused by each limit in this process (read by the metrics). */
  readonly refusals = new Map<Name, number>();

  constructor(
    private readonly policies: Readonly<Record<Name, LimitPolicy>>,
    private readonly store: KeyValueStore,
    private readonly log: Logger,
  ) {}

  /**
   * Counts `points` against the limit for `subject`, then decides: throws RATE_LIMITED (429,
   * with Retry-After and RateLimit-* headers) when the count passes the limit. `max` overrides
   * the policy's (per-tenant limits).
   */
  async consume(name: Name, subject: string, options: { points?: number; max?: number } = {}): Promise<LimitState> {
    const policy = this.policies[name];
    const max = options.max ?? policy.max;
    const points = options.points ?? 1;
    const window = Math.floor(Date.now() / (policy.windowSeconds * 1000));
    const key = `limit:${name}:${subject}:${window}`;
    const { count, resetMs } =
      policy.mode === 'approximate' ? this.countLocally(key, window, policy, points) : await this.countExactly(key, window, policy, points);
    const state = { limit: max, remaining: Math.max(0, max - count), resetMs };
    if (count > max) {
      this.refusals.set(name, (this.refusals.get(name) ?? 0) + 1);
      throw rateLimited(policy, state);
    }
    return state;
  }

  /** Drops every counter of `subject` under the limits chosen, in this process and in the store (an offboarded tenant). */
  async forget(subject: string, which: (name: Name) => boolean): Promise<number> {
    let removed = 0;
    for (const name of (Object.keys(this.policies) as Name[]).filter(which)) {
      const prefix = `limit:${name}:${subject}:`;
      for (const key of [...this.local.keys()]) if (key.startsWith(prefix)) this.local.delete(key);
      removed += await this.store.deleteByPrefix(prefix);
    }
    return removed;
  }

  /** Gives points back (a sign-in that succeeded does not count as a failure). */
  async refund(name: Name, subject: string, points = 1): Promise<void> {
    const policy = this.policies[name];
    const window = Math.floor(Date.now() / (policy.windowSeconds * 1000));
    const key = `limit:${name}:${subject}:${window}`;
    const counter = this.local.get(key);
    if (counter) counter.unsynced -= points;
    if (policy.mode === 'exact') await this.store.hit(key, -points, policy.windowSeconds).catch(() => undefined);
  }

  private async countExactly(key: string, window: number, policy: LimitPolicy, points: number): Promise<{ count: number; resetMs: number }> {
    try {
      const { count, ttlMs } = await this.store.hit(key, points, policy.windowSeconds);
      this.recovered();
      return { count, resetMs: ttlMs > 0 ? ttlMs : policy.windowSeconds * 1000 };
    } catch (err) {
      if (policy.whenStoreDown === 'refuse') {
        throw AppError.request('SERVICE_UNAVAILABLE', 'This is unavailable while a service it depends on is down; try again shortly');
      }
      this.storeDown(err);
      return this.countLocally(key, window, policy, points);
    }
  }

  private countLocally(key: string, window: number, policy: LimitPolicy, points: number): { count: number; resetMs: number } {
    let counter = this.local.get(key);
    if (!counter) {
      if (this.local.size >= MAX_LOCAL_KEYS) this.sweep(true);
      counter = { window, unsynced: 0, known: 0, resetAt: (window + 1) * policy.windowSeconds * 1000 };
      this.local.set(key, counter);
    }
    counter.unsynced += points;
    if (policy.mode === 'approximate') this.syncTimer ??= setTimeout(() => void this.sync(), SYNC_MS).unref();
    return { count: counter.known + counter.unsynced, resetMs: counter.resetAt - Date.now() };
  }

  /** Adds this process's unsynced hits to the store's counts and learns the totals. */
  private async sync(): Promise<void> {
    this.syncTimer = undefined;
    this.sweep(false);
    const pending = [...this.local].filter(([key, c]) => c.unsynced !== 0 && this.isApproximate(key));
    try {
      // Every counter of the second in one round trip (per batch), not one per tenant.
      for (let i = 0; i < pending.length; i += SYNC_BATCH) {
        const batch = pending.slice(i, i + SYNC_BATCH).map(([key, c]) => ({ key, c, sent: c.unsynced }));
        const counts = await this.store.hitMany(
          batch.map(({ key, c, sent }) => ({ key, points: sent, windowSeconds: Math.max(1, Math.ceil((c.resetAt - Date.now()) / 1000)) })),
        );
        batch.forEach(({ c, sent }, j) => {
          c.unsynced -= sent;
          c.known = counts[j]!.count;
        });
      }
      if (pending.length) this.recovered();
    } catch (err) {
      this.storeDown(err);
    }
  }

  private isApproximate(key: string): boolean {
    const name = key.split(':')[1] as Name;
    return this.policies[name]?.mode === 'approximate';
  }

  /** Forgets finished windows (and, when full, the oldest counters). */
  private sweep(full: boolean): void {
    const now = Date.now();
    for (const [key, c] of this.local) if (c.resetAt <= now) this.local.delete(key);
    if (full && this.local.size >= MAX_LOCAL_KEYS) {
      for (const key of [...this.local.keys()].slice(0, MAX_LOCAL_KEYS / 10)) this.local.delete(key);
    }
  }

  private storeDown(err: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.log.warn({ err }, 'rate limits: the key-value store is down; limiting from this instance’s own counters');
  }

  private recovered(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.log.info('rate limits: counting in the key-value store again');
  }

  stop(): void {
    clearTimeout(this.syncTimer);
  }
}

function rateLimited(policy: LimitPolicy, state: LimitState): AppError {
  const resetSeconds = Math.max(1, Math.ceil(state.resetMs / 1000));
  const headers = new HeaderMap([
    ['retry-after', String(resetSeconds)],
    ['ratelimit-limit', String(state.limit)],
    ['ratelimit-remaining', '0'],
    ['ratelimit-reset', String(resetSeconds)],
    ['ratelimit-policy', `${state.limit};w=${policy.windowSeconds}`],
  ]);
  return new AppError('RATE_LIMITED', policy.message, {
    limit: state.limit,
    retryAfterSeconds: resetSeconds,
    http: { status: 429, headers },
  });
}
