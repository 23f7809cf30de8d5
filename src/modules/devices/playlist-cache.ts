import { randomBytes } from 'node:crypto';
import type { KeyValueStore } from '../../cache/kv-store.js';
import type { Context } from '../../graphql/context.js';
import type { PlaylistItem } from './playlist.type.js';

/**
 * Per-device playlists in the key-value store, keyed by tenant and device. Every entry carries
 * the tenant's playlist generation; any change to the tenant's assets, devices, labels, keys or
 * time zone sets a new generation, so no older entry is ever served again. An entry also never
 * outlives the schedule's next change, nor five minutes.
 */
export type CachedPlaylist = { gen: string; validUntil: number; etag: string; items: PlaylistItem[]; nextChangeAt: number | null; timezone: string };

const MAX_LIFE_MS = 300_000;
const GEN_TTL_SECONDS = 86_400;
const genKey = (tenantId: string) => `playlist-gen:${tenantId}`;
const entryKey = (tenantId: string, deviceId: string) => `playlist:${tenantId}:${deviceId}`;
const newGen = () => randomBytes(8).toString('base64url');

/** The cached playlist if still current, and the generation to tag a freshly computed one with. */
export async function readPlaylist(store: KeyValueStore, tenantId: string, deviceId: string): Promise<{ hit: CachedPlaylist | null; gen: string }> {
  const [gen, raw] = await store.getMany([genKey(tenantId), entryKey(tenantId, deviceId)]);
  if (gen && raw) {
    const cached = JSON.parse(raw) as CachedPlaylist;
    if (cached.gen === gen && cached.validUntil > Date.now()) return { hit: cached, gen };
  }
  if (gen) return { hit: null, gen };
  // First use: fix the generation before computing, so a change made meanwhile replaces it.
  const fresh = newGen();
  return { hit: null, gen: (await store.setIfAbsent(genKey(tenantId), fresh, GEN_TTL_SECONDS)) ? fresh : ((await store.get(genKey(tenantId))) ?? fresh) };
}

export async function writePlaylist(store: KeyValueStore, tenantId: string, deviceId: string, entry: Omit<CachedPlaylist, 'validUntil'>, computedAt: number): Promise<void> {
  const validUntil = Math.min(entry.nextChangeAt ?? Number.POSITIVE_INFINITY, computedAt + MAX_LIFE_MS);
  const ttlSeconds = Math.floor((validUntil - Date.now()) / 1000);
  if (ttlSeconds < 1) return;
  await store.set(entryKey(tenantId, deviceId), JSON.stringify({ ...entry, validUntil }), ttlSeconds);
}

/** After the change commits, every cached playlist of the tenant is stale. */
export function dropPlaylists(ctx: Context): void {
  const tenantId = ctx.tenant!.id;
  ctx.db.afterCommit(() => ctx.deps.store.set(genKey(tenantId), newGen(), GEN_TTL_SECONDS));
}
