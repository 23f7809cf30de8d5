import { sql } from 'drizzle-orm';
import type { InvalidationBus } from '../cache/invalidation-bus.js';
import type { KeyValueStore } from '../cache/kv-store.js';
import type { LocalCache } from '../cache/local-cache.js';
import type { Database } from '../db/client.js';
import { rows } from '../db/rows.js';
import type { Plan } from '../db/schema/index.js';
import { PLAN_LIMITS } from '../modules/tenants/plans.js';

export type ResolvedTenant = { id: string; subdomain: string; status: 'active' | 'suspended'; requestsPerMinute: number };
type ResolutionRow = Omit<ResolvedTenant, 'requestsPerMinute'> & { plan: Plan; requests_per_minute: number | null };
export type TenantLookup = 'domain' | 'subdomain' | 'id';

const cacheKey = (kind: TenantLookup, value: string) => `tenant:${kind}:${value.toLowerCase()}`;

const CACHE = 'tenant-resolution';
// In-process for a short while, in the key-value store for TENANT_CACHE_TTL_SECONDS.
const LOCAL_TTL_MS = 30_000;

/**
 * Finds a tenant before any tenant context exists, through the SECURITY DEFINER function
 * anthias_resolve_tenant, and caches the answer in this process and in the key-value store.
 */
export class TenantDirectory {
  private readonly local: LocalCache<ResolvedTenant>;

  constructor(
    private readonly db: Database,
    private readonly store: KeyValueStore,
    private readonly bus: InvalidationBus,
    private readonly ttlSeconds: number,
  ) {
    this.local = bus.cache<ResolvedTenant>(CACHE, LOCAL_TTL_MS);
  }

  async find(kind: TenantLookup, value: string): Promise<ResolvedTenant | null> {
    const key = cacheKey(kind, value);
    const hit = this.local.get(key);
    if (hit) return hit;
    const cached = await this.store.get(key);
    if (cached) {
      const tenant = JSON.parse(cached) as ResolvedTenant;
      this.local.set(key, tenant);
      return tenant;
    }
    const [row] = await rows<ResolutionRow>(this.db, sql`select * from anthias_resolve_tenant(${kind}, ${value})`);
    if (!row) return null;
    const tenant: ResolvedTenant = {
      id: row.id,
      subdomain: row.subdomain,
      status: row.status,
      requestsPerMinute: row.requests_per_minute ?? PLAN_LIMITS[row.plan].requestsPerMinute,
    };
    await this.store.set(key, JSON.stringify(tenant), this.ttlSeconds);
    this.local.set(key, tenant);
    return tenant;
  }

  /** Drops every cached resolution of a tenant: call on any change of it, its subdomain or domains. */
  async invalidate(tenant: { id: string; subdomains: string[]; hostnames?: string[] }): Promise<void> {
    const keys = [
      cacheKey('id', tenant.id),
      ...tenant.subdomains.map((s) => cacheKey('subdomain', s)),
      ...(tenant.hostnames ?? []).map((h) => cacheKey('domain', h)),
    ];
    await this.store.del(...keys);
    await this.bus.invalidate(CACHE, keys);
  }
}
