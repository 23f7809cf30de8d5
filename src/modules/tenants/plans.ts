import type { Plan, Tenant } from '../../db/schema/index.js';

export type Limits = { maxAssets: number; maxUsers: number; maxDevices: number; requestsPerMinute: number; maxQueryCost: number };

/**
 * Default limits of each plan; a tenant's own columns override them one by one (the query cost
 * is the plan's alone). The query cost bounds one request's work (src/graphql/cost.ts).
 */
export const PLAN_LIMITS: Readonly<Record<Plan, Limits>> = {
  basic: { maxAssets: 100, maxUsers: 5, maxDevices: 10, requestsPerMinute: 600, maxQueryCost: 5_000 },
  professional: { maxAssets: 1_000, maxUsers: 25, maxDevices: 100, requestsPerMinute: 3_000, maxQueryCost: 25_000 },
  enterprise: { maxAssets: 10_000, maxUsers: 250, maxDevices: 1_000, requestsPerMinute: 12_000, maxQueryCost: 100_000 },
};

/** What a request without an organisation may cost. */
export const ANONYMOUS_MAX_QUERY_COST = PLAN_LIMITS.basic.maxQueryCost;

export function effectiveLimits(
  tenant: Pick<Tenant, 'plan' | 'maxAssets' | 'maxUsers' | 'maxDevices' | 'requestsPerMinute'>,
): Limits {
  const plan = PLAN_LIMITS[tenant.plan];
  return {
    maxAssets: tenant.maxAssets ?? plan.maxAssets,
    maxUsers: tenant.maxUsers ?? plan.maxUsers,
    maxDevices: tenant.maxDevices ?? plan.maxDevices,
    requestsPerMinute: tenant.requestsPerMinute ?? plan.requestsPerMinute,
    maxQueryCost: plan.maxQueryCost,
  };
}
