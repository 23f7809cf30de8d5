import type { Logger } from '../logger.js';
import type { KeyValueStore } from './kv-store.js';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';

export type { KeyValueStore };

export function createStore(redis: { url?: string; prefix: string }, log: Logger): KeyValueStore {
  if (redis.url) return new RedisStore(redis.url, redis.prefix);
  log.warn('REDIS_URL is not set: sessions, caches and rate limits live in this process (run one instance only)');
  return new MemoryStore();
}
