import type { KeyValueStore } from './kv-store.js';

type Entry = { value: string; expiresAt: number };
const SCAN_BATCH = 500;

/** In-process store with the Redis store's semantics, for the embedded default and tests. */
export class MemoryStore implements KeyValueStore {
  readonly kind = 'memory' as const;
  readonly available = true;
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper = setInterval(() => this.sweep(), 30_000).unref();

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }

  private static expiry(ttlSeconds?: number): number {
    return ttlSeconds ? Date.now() + ttlSeconds * 1000 : Number.POSITIVE_INFINITY;
  }

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async getMany(keys: string[]): Promise<(string | null)[]> {
    return keys.map((key) => this.live(key)?.value ?? null);
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: MemoryStore.expiry(ttlSeconds) });
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.entries.set(key, { value, expiresAt: MemoryStore.expiry(ttlSeconds) });
    return true;
  }

  async take(key: string): Promise<string | null> {
    const entry = this.live(key);
    this.entries.delete(key);
    return entry?.value ?? null;
  }

  async del(...keys: string[]): Promise<number> {
    let removed = 0;
    for (const key of keys) if (this.live(key) && this.entries.delete(key)) removed++;
    return removed;
  }

  async hit(key: string, points: number, windowSeconds: number): Promise<{ count: number; ttlMs: number }> {
    const entry = this.live(key);
    const count = (entry ? Number(entry.value) : 0) + points;
    const expiresAt = entry?.expiresAt ?? MemoryStore.expiry(windowSeconds);
    this.entries.set(key, { value: String(count), expiresAt });
    return { count, ttlMs: expiresAt - Date.now() };
  }

  async hitMany(hits: readonly { key: string; points: number; windowSeconds: number }[]): Promise<{ count: number; ttlMs: number }[]> {
    return Promise.all(hits.map((h) => this.hit(h.key, h.points, h.windowSeconds)));
  }

  async *scan(prefix: string): AsyncIterable<string[]> {
    const keys = [...this.entries.keys()].filter((key) => key.startsWith(prefix) && this.live(key));
    for (let i = 0; i < keys.length; i += SCAN_BATCH) yield keys.slice(i, i + SCAN_BATCH);
  }

  async deleteByPrefix(prefix: string): Promise<number> {
    let removed = 0;
    for await (const keys of this.scan(prefix)) removed += await this.del(...keys);
    return removed;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
  }
}
