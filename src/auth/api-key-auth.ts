import { eq, sql } from 'drizzle-orm';
import type { InvalidationBus } from '../cache/invalidation-bus.js';
import type { KeyValueStore } from '../cache/kv-store.js';
import type { Database } from '../db/client.js';
import { rows } from '../db/rows.js';
import { apiKeys } from '../db/schema/index.js';
import type { Logger } from '../logger.js';
import { withTenantTransaction } from '../tenancy/tenant-transaction.js';
import type { Principal } from './principal.js';
import { sameHash, sha256 } from './tokens.js';

type KeyRow = {
  id: string;
  tenant_id: string;
  key_hash: string;
  permissions: string[];
  created_by: string | null;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
};

export const apiKeyUsedKey = (keyId: string): string => `api-key-used:${keyId}`;

/**
 * Records the key's last use at most once a minute, across instances (the store decides) and
 * without asking the store on every request (this process remembers it asked); a failure here
 * never fails the request.
 */
export function touchApiKey(db: Database, store: KeyValueStore, bus: InvalidationBus, log: Logger, key: { keyId: string; tenantId: string }): void {
  const asked = bus.cache<true>('api-key-used', 60_000);
  if (asked.get(key.keyId)) return;
  asked.set(key.keyId, true);
  void (async () => {
    if (!(await store.setIfAbsent(apiKeyUsedKey(key.keyId), '1', 60))) return;
    await withTenantTransaction(db, { tenantId: key.tenantId }, (tx) =>
      tx.update(apiKeys).set({ lastUsedAt: new Date() }).where(eq(apiKeys.id, key.keyId)),
    );
  })().catch((err: unknown) => log.warn({ err }, 'could not record API key use'));
}

export const API_KEY_CACHE = 'api-keys';

/**
 * Finds an API key by its public prefix (SECURITY DEFINER look-up, remembered briefly in this
 * process; revocation drops it everywhere) and checks secret, revocation and expiry.
 */
export async function authenticateApiKey(db: Database, bus: InvalidationBus, prefix: string, secret: string): Promise<Principal | null> {
  const cache = bus.cache<KeyRow>(API_KEY_CACHE, 30_000);
  const key = await cache.getOrLoad(prefix, async () => (await rows<KeyRow>(db, sql`select * from anthias_api_key_lookup(${prefix})`))[0] ?? null);
  if (!key || !sameHash(key.key_hash, sha256(secret))) return null;
  if (key.revoked_at) return null;
  if (key.expires_at && new Date(key.expires_at).getTime() <= Date.now()) return null;
  return { kind: 'api_key', keyId: key.id, tenantId: key.tenant_id, userId: key.created_by, permissions: key.permissions };
}
