import { sql } from 'drizzle-orm';
import type { InvalidationBus } from '../cache/invalidation-bus.js';
import type { Database } from '../db/client.js';
import { rows } from '../db/rows.js';
import type { Principal } from './principal.js';
import { sameHash, sha256 } from './tokens.js';

export const DEVICE_KEY_CACHE = 'device-keys';
type DeviceKeyRow = { device_id: string; tenant_id: string; key_hash: string };

/**
 * A device key is valid while its device exists and the key has not been rotated. The row is
 * remembered briefly in this process; rotation and deletion drop it on every instance at once.
 */
export async function authenticateDeviceKey(db: Database, bus: InvalidationBus, prefix: string, secret: string): Promise<Principal | null> {
  const cache = bus.cache<DeviceKeyRow>(DEVICE_KEY_CACHE, 30_000);
  const device = await cache.getOrLoad(
    prefix,
    async () => (await rows<DeviceKeyRow>(db, sql`select * from anthias_device_key_lookup(${prefix})`))[0] ?? null,
  );
  if (!device || !sameHash(device.key_hash, sha256(secret))) return null;
  return { kind: 'device', deviceId: device.device_id, tenantId: device.tenant_id };
}
