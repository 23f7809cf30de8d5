import { sql } from 'drizzle-orm';
import { API_KEY_CACHE } from '../auth/api-key-auth.js';
import { DEVICE_KEY_CACHE } from '../auth/device-key-auth.js';
import { MEMBERSHIP_CACHE, membershipKey } from '../auth/load-permissions.js';
import type { InvalidationBus } from '../cache/invalidation-bus.js';
import type { Database, Tx } from '../db/client.js';
import { rows } from '../db/rows.js';
import { enqueueEffect } from '../outbox/effects.js';
import type { TenantDirectory } from '../tenancy/tenant-directory.js';

/** What gateways may have cached about a tenant: read before and after an operator's change to it. */
export type TenantFootprint = {
  id: string;
  subdomains: string[];
  hostnames: string[];
  memberIds: string[];
  apiKeyIds: string[];
  apiKeyPrefixes: string[];
  deviceKeyPrefixes: string[];
};

export const noFootprint = (id: string): TenantFootprint => ({
  id,
  subdomains: [],
  hostnames: [],
  memberIds: [],
  apiKeyIds: [],
  apiKeyPrefixes: [],
  deviceKeyPrefixes: [],
});

export async function footprintOf(db: Database | Tx, tenantId: string): Promise<TenantFootprint> {
  const [row] = await rows<Omit<TenantFootprint, 'id'>>(
    db,
    sql`select array(select subdomain from tenants where id = ${tenantId}) as subdomains,
          array(select hostname from tenant_domains where tenant_id = ${tenantId}) as hostnames,
          array(select user_id::text from tenant_users where tenant_id = ${tenantId}) as "memberIds",
          array(select id::text from api_keys where tenant_id = ${tenantId}) as "apiKeyIds",
          array(select prefix from api_keys where tenant_id = ${tenantId}) as "apiKeyPrefixes",
          array(select key_prefix from devices where tenant_id = ${tenantId} and key_prefix is not null) as "deviceKeyPrefixes"`,
  );
  return { id: tenantId, ...row! };
}

const union = (a: string[], b: string[]) => [...new Set([...a, ...b])];

/**
 * The one place where operator commands tell running gateways what to forget about a tenant.
 * Everything is announced in the command's own transaction, through the same TenantDirectory,
 * InvalidationBus and outbox that requests use, so it reaches every instance exactly when (and
 * only if) the change commits.
 */
export class TenantCaches {
  constructor(
    private readonly directory: TenantDirectory,
    private readonly bus: InvalidationBus,
  ) {}

  private async announce(tx: Tx, before: TenantFootprint, after: TenantFootprint): Promise<void> {
    await this.directory.invalidate(tx, { id: after.id, subdomains: union(before.subdomains, after.subdomains), hostnames: union(before.hostnames, after.hostnames) });
    await this.bus.announce(API_KEY_CACHE, union(before.apiKeyPrefixes, after.apiKeyPrefixes), tx);
    await this.bus.announce(DEVICE_KEY_CACHE, union(before.deviceKeyPrefixes, after.deviceKeyPrefixes), tx);
    await this.bus.announce(MEMBERSHIP_CACHE, union(before.memberIds, after.memberIds).map((u) => membershipKey(after.id, u)), tx);
  }

  /** A restore or a clone: whatever was cached before or after may be wrong, and every playlist is stale. */
  async changed(tx: Tx, before: TenantFootprint, after: TenantFootprint): Promise<void> {
    await this.announce(tx, before, after);
    await enqueueEffect(tx, { kind: 'playlists.stale', payload: { tenantId: after.id } }, 0);
  }

  /** A deletion: credentials stop at once; a gateway's outbox worker then purges the tenant's store keys and the deleted accounts' sessions. */
  async removed(tx: Tx, tenant: TenantFootprint, deletedAccounts: string[]): Promise<void> {
    await this.announce(tx, tenant, noFootprint(tenant.id));
    await enqueueEffect(tx, { kind: 'tenant.purge', payload: { tenantId: tenant.id, accountIds: deletedAccounts, apiKeyIds: tenant.apiKeyIds } }, 0);
  }
}
