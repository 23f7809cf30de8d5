import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { rows } from '../db/rows.js';
import type { Principal } from './principal.js';
import { sameHash, sha256 } from './tokens.js';

/**
 * A device key is valid while its device exists and the key has not been rotated: the row's
 * hash is read on every request, so deletion and rotation take effect at once.
 */
export async function authenticateDeviceKey(db: Database, prefix: string, secret: string): Promise<Principal | null> {
  const [device] = await rows<{ device_id: string; tenant_id: string; key_hash: string }>(
    db,
    sql`select * from anthias_device_key_lookup(${prefix})`,
  );
  if (!device || !sameHash(device.key_hash, sha256(secret))) return null;
  return { kind: 'device', deviceId: device.device_id, tenantId: device.tenant_id };
}
