/**
 * The key-value store behind sessions, caches and rate limits.
 * Redis when REDIS_URL is set; an in-process map otherwise (one instance only).
 */
export interface KeyValueStore {
  readonly kind: 'redis' | 'memory';
  /** False while the store is known to be down (calls then fail at once with DependencyUnavailableError). */
  readonly available: boolean;
  get(key: string): Promise<string | null>;
  /** Several keys in one round trip. */
  getMany(keys: string[]): Promise<(string | null)[]>;
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  /** Sets only when absent; true when this call set it. */
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  /** Reads and deletes in one step, so a single-use token is used once. */
  take(key: string): Promise<string | null>;
  del(...keys: string[]): Promise<number>;
  /**
   * Adds `points` to a counter atomically and returns the new count and the counter's remaining
   * life; the window (TTL) starts with the counter's first hit.
   */
  hit(key: string, points: number, windowSeconds: number): Promise<{ count: number; ttlMs: number }>;
  /** Several `hit`s in one round trip (each atomic on its own key). */
  hitMany(hits: readonly { key: string; points: number; windowSeconds: number }[]): Promise<{ count: number; ttlMs: number }[]>;
  /** Keys that start with `prefix`, in bounded batches (SCAN, never KEYS); keys written meanwhile may be missed. */
  scan(prefix: string): AsyncIterable<string[]>;
  /** Deletes every key that starts with `prefix`, a bounded batch at a time; returns how many. */
  deleteByPrefix(prefix: string): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
