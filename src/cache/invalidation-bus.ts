import type { Logger } from '../logger.js';
import type { KeyValueStore } from './kv-store.js';
import { LocalCache } from './local-cache.js';

const CHANNEL = 'invalidate';

type Message = { cache: string; keys: string[] };

/**
 * Named in-process caches that every gateway instance drops together: `invalidate` publishes on
 * the key-value store's pub/sub and each instance (this one included) deletes the entries.
 */
export class InvalidationBus {
  private readonly caches = new Map<string, LocalCache<unknown>>();
  private unsubscribe?: () => Promise<void>;

  constructor(
    private readonly store: KeyValueStore,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.store.subscribe(CHANNEL, (raw) => {
      try {
        this.apply(JSON.parse(raw) as Message);
      } catch (err) {
        this.log.warn({ err }, 'malformed invalidation message');
      }
    });
  }

  cache<V>(name: string, ttlMs: number, maxEntries?: number): LocalCache<V> {
    let cache = this.caches.get(name) as LocalCache<V> | undefined;
    if (!cache) {
      cache = new LocalCache<V>(ttlMs, maxEntries);
      this.caches.set(name, cache as LocalCache<unknown>);
    }
    return cache;
  }

  private apply(m: Message): void {
    const cache = this.caches.get(m.cache);
    for (const key of m.keys ?? []) cache?.delete(key);
  }

  /** Drops here at once, then tells the other instances. */
  async invalidate(cache: string, keys: string[]): Promise<void> {
    const message: Message = { cache, keys };
    this.apply(message);
    await this.store.publish(CHANNEL, JSON.stringify(message));
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }
}
