import { eq } from 'drizzle-orm';
import { tenants } from '../../db/schema/index.js';
import type { RequestContext } from '../../tenancy/context.js';
import { effectiveLimits } from './plans.js';
import type { PlanName, Tenant } from './tenant.type.js';

/** The request's tenant as its members see it (read through RLS, never from the cache). */
export async function currentTenant(ctx: RequestContext): Promise<Tenant | null> {
  if (!ctx.tenant) return null;
  const tx = await ctx.db.get();
  const [row] = await tx.select().from(tenants).where(eq(tenants.id, ctx.tenant.id));
  if (!row) return null;
  return {
    id: row.id,
    name: row.name,
    subdomain: row.subdomain,
    plan: row.plan as PlanName,
    limits: effectiveLimits(row),
    theme: row.settings.theme ?? {},
    timezone: row.settings.timezone ?? null,
    contactEmail: row.contactEmail,
    requireSecondFactor: row.requireSecondFactor,
    createdAt: row.createdAt,
  };
}

const timeZones = new WeakMap<RequestContext, Promise<string>>();

/** The organisation's time zone (devices default to it), read once per request. */
export function tenantTimeZone(ctx: RequestContext): Promise<string> {
  let zone = timeZones.get(ctx);
  if (!zone) {
    zone = (async () => {
      if (!ctx.tenant) return 'UTC';
      const tx = await ctx.db.get();
      const [row] = await tx.select({ settings: tenants.settings }).from(tenants).where(eq(tenants.id, ctx.tenant.id));
      return row?.settings.timezone ?? 'UTC';
    })();
    timeZones.set(ctx, zone);
  }
  return zone;
}
