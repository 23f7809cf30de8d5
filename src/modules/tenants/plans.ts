import type { Plan, Tenant } from '../../db/schema/index.js';

export type Limits = { maxAssets: number; maxUsers: number; maxDevices: number; requestsPerMinute: number };

/** Default limits of each plan; a tenant's own columns override them one by one. */
export const PLAN_LIMITS: Readonly<Record<Plan, Limits>> = {
  basic: { maxAssets: 100, maxUsers: 5, maxDevices: 10, requestsPerMinute: 600 },
  professional: { maxAssets: 1_000, maxUsers: 25, maxDevices: 100, requestsPerMinute: 3_000 },
  enterprise: { maxAssets: 10_000, maxUsers: 250, maxDevices: 1_000, requestsPerMinute: 12_000 },
};

export function effectiveLimits(
  tenant: Pick<Tenant, 'plan' | 'maxAssets' | 'maxUsers' | 'maxDevices' | 'requestsPerMinute'>,
): Limits {
  const plan = PLAN_LIMITS[tenant.plan];
  return {
    maxAssets: tenant.maxAssets ?? plan.maxAssets,
    maxUsers: tenant.maxUsers ?? plan.maxUsers,
    maxDevices: tenant.maxDevices ?? plan.maxDevices,
    requestsPerMinute: tenant.requestsPerMinute ?? plan.requestsPerMinute,
  };
}
