/**
 * A small in-process cache with a TTL and a size bound (oldest entries go first). Each instance
 * keeps its own; changes reach every instance through InvalidationBus, and the TTL bounds how
 * long a lost message could keep a stale entry.
 */
export class LocalCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  // Bumped by every drop: a load that began before a drop may have read the old value.
  private drops = 0;
  /** Lookups answered from the cache, and not (read by the metrics). */
  hits = 0;
  misses = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** `fresh` can refuse a value that outlived its own meaning (a session past its expiry): it counts as a miss. */
  get(key: string, fresh?: (value: V) => boolean): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) {
      this.misses++;
      return undefined;
    }
    if (entry.expiresAt <= Date.now() || (fresh && !fresh(entry.value))) {
      this.entries.delete(key);
      this.misses++;
      return undefined;
    }
    this.hits++;
    return entry.value;
  }

  set(key: string, value: V): void {
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expiresAt: Date.now() + this.ttlMs });
  }

  /**
   * The cached value, or the loader's, which is cached unless it is null (nothing found) or a
   * drop happened while it loaded (it may predate the change that caused the drop). Concurrent
   * misses each load.
   */
  async getOrLoad(key: string, load: () => Promise<V | null>, fresh?: (value: V) => boolean): Promise<V | null> {
    const hit = this.get(key, fresh);
    if (hit !== undefined) return hit;
    const dropsBefore = this.drops;
    const value = await load();
    if (value !== null && this.drops === dropsBefore) this.set(key, value);
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
    this.drops++;
  }

  /** Drops every entry whose value matches (a few thousand at most: the cache is bounded). */
  deleteWhere(matches: (value: V) => boolean): void {
    for (const [key, entry] of this.entries) if (matches(entry.value)) this.entries.delete(key);
    this.drops++;
  }

  clear(): void {
    this.entries.clear();
    this.drops++;
  }
}
