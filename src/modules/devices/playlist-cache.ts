import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { KeyValueStore } from '../../cache/kv-store.js';
import type { TenantContext } from '../../tenancy/context.js';
import type { PlaylistItem } from './playlist.type.js';

/**
 * Per-device playlists in the key-value store, keyed by tenant and device. Every entry carries
 * the tenant's playlist generation; any change to the tenant's assets, devices, labels, keys or
 * time zone sets a new generation, so no older entry is ever served again. An entry also never
 * outlives the schedule's next change, nor five minutes.
 */
export type CachedPlaylist = { gen: string | null; validUntil: number; etag: string; items: PlaylistItem[]; nextChangeAt: number | null; timezone: string };

const MAX_LIFE_MS = 300_000;
const GEN_TTL_SECONDS = 86_400;
const genKey = (tenantId: string) => `playlist-gen:${tenantId}`;
const entryKey = (tenantId: string, deviceId: string) => `playlist:${tenantId}:${deviceId}`;
const newGen = () => randomBytes(8).toString('base64url');

/** Playlist lookups in this process answered from the cache, and not (read by the metrics). */
export const playlistLookups = { hits: 0, misses: 0 };

/**
 * An entry is its header's JSON, a newline, then its items' JSON (JSON text holds no raw newline),
 * so a hit parses only the small header: the items' parse is kept in this process by tenant and
 * etag (a hash of exactly the items), shared by every screen of the tenant that plays the same
 * set. Parsing the items was most of a cache hit's CPU. Callers never mutate a CachedPlaylist.
 */
type EntryHeader = Omit<CachedPlaylist, 'items'>;

// Bounded in entries and in memory: a parse is counted as twice its text.
const parsedItems = new LRUCache<string, PlaylistItem[]>({ max: 5_000, maxSize: 32 * 1024 * 1024 });

/** A stored entry's header and items, as text; null for an entry in the earlier one-object format. */
export function entryParts(raw: string): { header: string; items: string } | null {
  const split = raw.indexOf('\n');
  return split === -1 ? null : { header: raw.slice(0, split), items: raw.slice(split + 1) };
}

/** The entry if it is current for `gen`; null if not, or if it is in an earlier format. */
function currentEntry(tenantId: string, raw: string, gen: string): CachedPlaylist | null {
  const parts = entryParts(raw);
  if (!parts) return null;
  const header = JSON.parse(parts.header) as EntryHeader;
  if (header.gen !== gen || header.validUntil <= Date.now()) return null;
  const key = `${tenantId}:${header.etag}`;
  let items = parsedItems.get(key);
  if (!items) {
    items = JSON.parse(parts.items) as PlaylistItem[];
    parsedItems.set(key, items, { size: Math.max(1, parts.items.length * 2) });
  }
  return { ...header, items };
}

/** The cached playlist if still current, and the generation to tag a freshly computed one with. */
export async function readPlaylist(store: KeyValueStore, tenantId: string, deviceId: string): Promise<{ hit: CachedPlaylist | null; gen: string | null }> {
  const found = await lookUpPlaylist(store, tenantId, deviceId);
  if (found.hit) playlistLookups.hits++;
  else playlistLookups.misses++;
  return found;
}

async function lookUpPlaylist(store: KeyValueStore, tenantId: string, deviceId: string): Promise<{ hit: CachedPlaylist | null; gen: string | null }> {
  let gen: string | null, raw: string | null;
  try {
    [gen = null, raw = null] = await store.getMany([genKey(tenantId), entryKey(tenantId, deviceId)]);
  } catch {
    return { hit: null, gen: null }; // the store is down: computed from PostgreSQL, not cached
  }
  const cached = gen && raw ? currentEntry(tenantId, raw, gen) : null;
  if (cached) return { hit: cached, gen };
  if (gen) return { hit: null, gen };
  // First use: fix the generation before computing, so a change made meanwhile replaces it.
  const fresh = newGen();
  try {
    return { hit: null, gen: (await store.setIfAbsent(genKey(tenantId), fresh, GEN_TTL_SECONDS)) ? fresh : await store.get(genKey(tenantId)) };
  } catch {
    return { hit: null, gen: null };
  }
}

/** Caches a computed playlist under the generation it was computed for; nothing without one. */
export async function writePlaylist(store: KeyValueStore, tenantId: string, deviceId: string, entry: Omit<CachedPlaylist, 'validUntil'>, computedAt: number): Promise<void> {
  const validUntil = Math.min(entry.nextChangeAt ?? Number.POSITIVE_INFINITY, computedAt + MAX_LIFE_MS);
  const ttlSeconds = Math.floor((validUntil - Date.now()) / 1000);
  if (ttlSeconds < 1 || !entry.gen) return;
  const { items, ...header } = entry;
  const text = `${JSON.stringify({ ...header, validUntil } satisfies EntryHeader)}\n${JSON.stringify(items)}`;
  await store.set(entryKey(tenantId, deviceId), text, ttlSeconds).catch(() => {});
}

/** Once the change commits, every cached playlist of the tenant is stale (carried out by the outbox). */
export function dropPlaylists(ctx: TenantContext): Promise<void> {
  return ctx.db.enqueue({ kind: 'playlists.stale', payload: { tenantId: ctx.tenant.id } });
}

/** A new generation: no entry tagged with an older one is served again. */
export function markPlaylistsStale(store: KeyValueStore, tenantId: string): Promise<void> {
  return store.set(genKey(tenantId), newGen(), GEN_TTL_SECONDS);
}

/** Every key the playlist cache holds for a tenant (offboarding). */
export async function purgePlaylists(store: KeyValueStore, tenantId: string): Promise<number> {
  return (await store.deleteByPrefix(entryKey(tenantId, ''))) + (await store.del(genKey(tenantId)));
}
