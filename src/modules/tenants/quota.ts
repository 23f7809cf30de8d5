import { and, eq, gt, isNull, type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { rows, statement } from '../../db/rows.js';
import { assets, devices, invitations, tenants, tenantUsers } from '../../db/schema/index.js';
import { AppError } from '../../errors.js';
import type { TenantContext } from '../../tenancy/context.js';
import { effectiveLimits, type Limits } from './plans.js';

export type Usage = { assets: number; devices: number; users: number; pendingInvitations: number };
type Resource = 'assets' | 'devices' | 'users';

const LIMIT_OF: Record<Resource, keyof Limits> = { assets: 'maxAssets', devices: 'maxDevices', users: 'maxUsers' };

const countOf = (from: SQL) => statement(sql`select count(*)::int as n from ${from}`);
const COUNTS = {
  assets: countOf(sql`${assets}`),
  devices: countOf(sql`${devices}`),
  members: countOf(sql`${tenantUsers} where ${eq(tenantUsers.isActive, true)}`),
  pending: countOf(
    sql`${invitations} where ${and(isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, sql.placeholder('now')))}`,
  ),
};

/** What the tenant uses; seats count active members and pending invitations alike. */
export async function usage(tx: Tx, resource?: Resource): Promise<Usage> {
  const n = async (counted: keyof typeof COUNTS) => (await rows<{ n: number }>(tx, COUNTS[counted], { now: new Date().toISOString() }))[0]?.n ?? 0;
  const need = (r: Resource) => !resource || resource === r;
  const [assetCount, deviceCount, members, pending] = await Promise.all([
    need('assets') ? n('assets') : 0,
    need('devices') ? n('devices') : 0,
    need('users') ? n('members') : 0,
    need('users') ? n('pending') : 0,
  ]);
  return { assets: assetCount, devices: deviceCount, users: members + pending, pendingInvitations: pending };
}

/**
 * Refuses a creation that would pass the limit. The tenant row is locked first, so concurrent
 * creations of one tenant queue here and each counts what the previous ones committed.
 */
export async function assertQuota(ctx: TenantContext, resource: Resource, adding = 1): Promise<void> {
  await checkQuota(await ctx.db.get(), ctx.tenant.id, resource, adding);
}

/**
 * assertQuota on a transaction in hand, its statements sent before this returns. The lock and
 * the count leave in one write: the connection runs them in order, and the count, a statement
 * of its own, takes its snapshot once the lock is held. A caller may send its insert right
 * behind them, since a refusal rolls the request's transaction back with it.
 */
export async function checkQuota(tx: Tx, tenantId: string, resource: Resource, adding = 1): Promise<void> {
  const [limits, used] = await Promise.all([lockTenantLimits(tx, tenantId), usage(tx, resource)]);
  assertRoom(used, limits, resource, adding);
}

/** The tenant's effective limits, its row locked until the transaction ends (creations queue behind it). */
export async function lockTenantLimits(tx: Tx, tenantId: string): Promise<Limits> {
  const [tenant] = await rows<Parameters<typeof effectiveLimits>[0]>(tx, LOCK_TENANT, { tenantId });
  return effectiveLimits(tenant!);
}

const LOCK_TENANT = statement(
  sql`select ${tenants.plan} as "plan", ${tenants.maxAssets} as "maxAssets", ${tenants.maxUsers} as "maxUsers",
    ${tenants.maxDevices} as "maxDevices", ${tenants.requestsPerMinute} as "requestsPerMinute"
    from ${tenants} where ${tenants.id} = ${sql.placeholder('tenantId')} for update`,
);

/** QUOTA_EXCEEDED when `adding` more would pass the limit; `used` is counted after the lock. */
export function assertRoom(used: Usage, limits: Limits, resource: Resource, adding: number): void {
  const limit = limits[LIMIT_OF[resource]];
  if (used[resource] + adding > limit) {
    throw new AppError('QUOTA_EXCEEDED', `The plan allows ${limit} ${resource}; ${used[resource]} in use`, { resource, limit, usage: used[resource] });
  }
}
