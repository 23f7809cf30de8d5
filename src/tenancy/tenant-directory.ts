import { sql } from 'drizzle-orm';
import type { InvalidationBus } from '../cache/invalidation-bus.js';
import type { LocalCache } from '../cache/local-cache.js';
import type { Database, Tx } from '../db/client.js';
import { rows } from '../db/rows.js';
import type { Plan } from '../db/schema/index.js';
import { PLAN_LIMITS } from '../modules/tenants/plans.js';

export type ResolvedTenant = {
  id: string;
  subdomain: string;
  status: 'active' | 'suspended';
  plan: Plan;
  requestsPerMinute: number;
  /** The plan's bound on one request's cost. */
  maxQueryCost: number;
  /** Its owners require every member to use a second factor. */
  requireSecondFactor: boolean;
};
type ResolutionRow = Pick<ResolvedTenant, 'id' | 'subdomain' | 'status'> & { plan: Plan; requests_per_minute: number | null; require_second_factor: boolean };
export type TenantLookup = 'domain' | 'subdomain' | 'id';

const cacheKey = (kind: TenantLookup, value: string) => `${kind}:${value.toLowerCase()}`;
const CACHE = 'tenant-resolution';

/**
 * Finds a tenant before any tenant context exists, through the SECURITY DEFINER function
 * anthias_resolve_tenant, and remembers the answer in this process for a few seconds. Every
 * change to a tenant, its subdomain or its domains is announced through PostgreSQL and drops
 * the entries on every instance when it commits.
 */
export class TenantDirectory {
  private readonly local: LocalCache<ResolvedTenant>;

  constructor(
    private readonly db: Database,
    private readonly bus: InvalidationBus,
    ttlSeconds: number,
  ) {
    this.local = bus.cache<ResolvedTenant>(CACHE, ttlSeconds * 1000);
  }

  /** `db`: a request's view of the pool (DatabaseHandle.metered), so a look-up counts toward the request that made it. */
  find(kind: TenantLookup, value: string, db: Database = this.db): Promise<ResolvedTenant | null> {
    return this.local.getOrLoad(cacheKey(kind, value), async () => {
      const [row] = await rows<ResolutionRow>(db, sql`select * from anthias_resolve_tenant(${kind}, ${value})`);
      return row
        ? {
            id: row.id,
            subdomain: row.subdomain,
            status: row.status,
            plan: row.plan,
            requestsPerMinute: row.requests_per_minute ?? PLAN_LIMITS[row.plan].requestsPerMinute,
            maxQueryCost: PLAN_LIMITS[row.plan].maxQueryCost,
            requireSecondFactor: row.require_second_factor,
          }
        : null;
    });
  }

  /**
   * Drops every cached resolution of a tenant, on every instance, when `tx` commits: call it in
   * the transaction of any change to the tenant, its subdomain or its domains.
   */
  invalidate(tx: Database | Tx, tenant: { id: string; subdomains: string[]; hostnames?: string[] }): Promise<void> {
    const keys = [
      cacheKey('id', tenant.id),
      ...tenant.subdomains.map((s) => cacheKey('subdomain', s)),
      ...(tenant.hostnames ?? []).map((h) => cacheKey('domain', h)),
    ];
    return this.bus.announce(CACHE, keys, tx);
  }
}
