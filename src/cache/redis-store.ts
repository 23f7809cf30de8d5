import { circuitBreaker, CircuitState, ConsecutiveBreaker, handleAll, type CircuitBreakerPolicy } from 'cockatiel';
import { Redis } from 'ioredis';
import { DependencyUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { KeyValueStore } from './kv-store.js';

export type RedisOptions = { url: string; prefix: string; timeoutMs: number };

// Three calls in a row that fail or time out open the breaker; one call tries again 2 s later.
const BREAK_AFTER = 3;
const HALF_OPEN_AFTER_MS = 2_000;
const SCAN_COUNT = 500;

/**
 * Redis-backed store; keys are namespaced so several deployments can share a server. Every call
 * has a short timeout and nothing is queued while disconnected; once Redis is seen down, a
 * breaker refuses calls at once (DependencyUnavailableError) instead of each waiting for its
 * timeout, and callers apply their own policy for an outage.
 */
export class RedisStore implements KeyValueStore {
  readonly kind = 'redis' as const;
  private readonly client: Redis;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly prefix: string;

  constructor(options: RedisOptions, log: Logger) {
    this.prefix = options.prefix;
    this.client = new Redis(options.url, {
      keyPrefix: options.prefix,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.timeoutMs,
      connectTimeout: Math.max(1_000, options.timeoutMs),
      retryStrategy: (attempt) => Math.min(attempt * 250, 2_000),
    });
    // Connection errors surface as failed calls (and the breaker); the event itself is noise.
    this.client.on('error', () => {});
    this.breaker = circuitBreaker(handleAll, { halfOpenAfter: HALF_OPEN_AFTER_MS, breaker: new ConsecutiveBreaker(BREAK_AFTER) });
    this.breaker.onBreak(() => log.warn('key-value store unavailable: running degraded (see README, "When a dependency fails")'));
    this.breaker.onReset(() => log.info('key-value store available again'));
  }

  /** Resolves once connected, or after `ms` (the gateway then starts degraded). */
  async connected(ms: number): Promise<boolean> {
    if (this.client.status === 'ready') return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms).unref();
      this.client.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  get available(): boolean {
    return this.client.status === 'ready' && (this.breaker.state === CircuitState.Closed || this.breaker.state === CircuitState.HalfOpen);
  }

  private async call<T>(fn: (client: Redis) => Promise<T>): Promise<T> {
    try {
      return await this.breaker.execute(() => fn(this.client));
    } catch (err) {
      throw new DependencyUnavailableError('store', { cause: err });
    }
  }

  get(key: string): Promise<string | null> {
    return this.call((c) => c.get(key));
  }

  getMany(keys: string[]): Promise<(string | null)[]> {
    return this.call((c) => c.mget(...keys));
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    await this.call((c) => (ttlSeconds ? c.set(key, value, 'EX', ttlSeconds) : c.set(key, value)));
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    return (await this.call((c) => c.set(key, value, 'EX', ttlSeconds, 'NX'))) === 'OK';
  }

  take(key: string): Promise<string | null> {
    return this.call((c) => c.getdel(key));
  }

  del(...keys: string[]): Promise<number> {
    return keys.length ? this.call((c) => c.del(...keys)) : Promise.resolve(0);
  }

  async hit(key: string, points: number, windowSeconds: number): Promise<{ count: number; ttlMs: number }> {
    const [[, count], , [, ttlMs]] = (await this.call((c) =>
      c.multi().incrby(key, points).pexpire(key, windowSeconds * 1000, 'NX').pttl(key).exec(),
    )) as [[unknown, number], unknown, [unknown, number]];
    return { count, ttlMs };
  }

  async hitMany(hits: readonly { key: string; points: number; windowSeconds: number }[]): Promise<{ count: number; ttlMs: number }[]> {
    if (!hits.length) return [];
    const replies = await this.call((c) => {
      const multi = c.multi();
      for (const h of hits) multi.incrby(h.key, h.points).pexpire(h.key, h.windowSeconds * 1000, 'NX').pttl(h.key);
      return multi.exec();
    });
    return hits.map((_, i) => {
      const [[, count], , [, ttlMs]] = replies!.slice(i * 3, i * 3 + 3) as [[unknown, number], unknown, [unknown, number]];
      return { count, ttlMs };
    });
  }

  async *scan(prefix: string): AsyncIterable<string[]> {
    // ioredis does not apply keyPrefix to SCAN's pattern, nor strip it from the keys SCAN returns.
    const match = `${(this.prefix + prefix).replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.call((c) => c.scan(cursor, 'MATCH', match, 'COUNT', SCAN_COUNT));
      cursor = next;
      if (keys.length) yield keys.map((key) => key.slice(this.prefix.length));
    } while (cursor !== '0');
  }

  async deleteByPrefix(prefix: string): Promise<number> {
    let removed = 0;
    for await (const keys of this.scan(prefix)) removed += await this.del(...keys);
    return removed;
  }

  async ping(): Promise<void> {
    await this.call((c) => c.ping());
  }

  async close(): Promise<void> {
    this.breaker.isolate();
    this.client.disconnect();
  }
}
