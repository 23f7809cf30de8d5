import { sql } from 'drizzle-orm';
import type { Database, DatabaseHandle, Tx } from '../db/client.js';
import type { Logger } from '../logger.js';
import { LocalCache } from './local-cache.js';

const CHANNEL = 'anthias_invalidate';
// NOTIFY payloads stop at 8000 bytes: long key lists go in several notifications.
const KEYS_PER_NOTIFICATION = 50;

type Message = { cache: string; keys: string[] };

/**
 * Named in-process caches that every gateway instance drops together. A drop is announced with
 * pg_notify in the transaction that makes the change, so PostgreSQL delivers it to every
 * instance exactly when (and only if) the change commits, whatever the announcer's own
 * configuration: an operator command needs nothing but the database. When the announcement
 * channel (re)connects, every cache is flushed, since drops sent meanwhile were lost.
 */
export class InvalidationBus {
  private readonly caches = new Map<string, LocalCache<unknown>>();
  private listener?: { stop(): Promise<void> };

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
  ) {}

  /** Starts receiving announcements; resolves once the channel is listening. */
  async start(database: DatabaseHandle): Promise<void> {
    const listener = database.listen(CHANNEL, { onMessage: (raw) => this.receive(raw), onConnect: () => this.flushAll() }, this.log);
    this.listener = listener;
    await listener.ready;
  }

  cache<V>(name: string, ttlMs: number, maxEntries?: number): LocalCache<V> {
    let cache = this.caches.get(name) as LocalCache<V> | undefined;
    if (!cache) {
      cache = new LocalCache<V>(ttlMs, maxEntries);
      this.caches.set(name, cache as LocalCache<unknown>);
    }
    return cache;
  }

  /** Every named cache, for the metrics. */
  named(): ReadonlyMap<string, LocalCache<unknown>> {
    return this.caches;
  }

  /**
   * Drops the entries here at once and announces the drop to every instance, in `tx` when given
   * (delivered on its commit) or on its own. Dropping before the commit keeps this instance's next
   * request from using the entry; a load racing the commit is refused by the cache itself.
   */
  async announce(cache: string, keys: string[], tx: Database | Tx = this.db): Promise<void> {
    if (!keys.length) return;
    this.drop({ cache, keys });
    for (let i = 0; i < keys.length; i += KEYS_PER_NOTIFICATION) {
      const message: Message = { cache, keys: keys.slice(i, i + KEYS_PER_NOTIFICATION) };
      await tx.execute(sql`select pg_notify(${CHANNEL}, ${JSON.stringify(message)})`);
    }
  }

  private receive(raw: string): void {
    try {
      this.drop(JSON.parse(raw) as Message);
    } catch (err) {
      this.log.warn({ err }, 'malformed invalidation message');
    }
  }

  private drop(m: Message): void {
    const cache = this.caches.get(m.cache);
    for (const key of m.keys ?? []) cache?.delete(key);
  }

  private flushAll(): void {
    for (const cache of this.caches.values()) cache.clear();
  }

  async stop(): Promise<void> {
    await this.listener?.stop();
  }
}
