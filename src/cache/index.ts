import type { Logger } from '../logger.js';
import type { KeyValueStore } from './kv-store.js';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';

export type { KeyValueStore };

/** Redis when configured (waiting briefly for it: without it the gateway starts degraded), else in-process. */
export async function createStore(redis: { url?: string; prefix: string; timeoutMs: number }, log: Logger): Promise<KeyValueStore> {
  if (redis.url) {
    const store = new RedisStore({ url: redis.url, prefix: redis.prefix, timeoutMs: redis.timeoutMs }, log);
    if (!(await store.connected(2_000))) log.warn('Redis does not answer yet: starting degraded; it is retried in the background');
    return store;
  }
  log.warn('REDIS_URL is not set: sessions, caches and rate limits live in this process (run one instance only)');
  return new MemoryStore();
}
