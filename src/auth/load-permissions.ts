import { and, eq } from 'drizzle-orm';
import { type Role, tenantUsers } from '../db/schema/index.js';
import type { RequestContext } from '../tenancy/context.js';
import { isPermission, NO_PERMISSIONS, type Permission, ROLE_PERMISSIONS } from './permissions.js';
import { actingUserId } from './principal.js';

export const MEMBERSHIP_CACHE = 'memberships';
/** A membership's key in MEMBERSHIP_CACHE. */
export const membershipKey = (tenantId: string, userId: string): string => `${tenantId}:${userId}`;
type MembershipGrant = { role: Role; permissions: string[] };

/** A membership changed: when that commits, every instance forgets what it knew of it. */
export async function forgetMembership(ctx: RequestContext, tenantId: string, userId: string): Promise<void> {
  await ctx.deps.bus.announce(MEMBERSHIP_CACHE, [membershipKey(tenantId, userId)], await ctx.db.get());
}

/**
 * The caller's permissions in the resolved tenant: the membership's role plus its extra
 * permissions; an API key gets the intersection of its own list and its creator's current rights.
 * Read inside the request's transaction, so RLS confines the membership to this tenant, and
 * remembered briefly in this process (member changes drop it on every instance).
 */
export async function loadPermissions(ctx: RequestContext): Promise<ReadonlySet<Permission>> {
  const userId = actingUserId(ctx.principal);
  if (!ctx.tenant || !userId) return NO_PERMISSIONS;
  const membership = await ctx.deps.bus.cache<MembershipGrant>(MEMBERSHIP_CACHE, 30_000).getOrLoad(membershipKey(ctx.tenant.id, userId), async () => {
    const tx = await ctx.db.get();
    const [found] = await tx
      .select({ role: tenantUsers.role, permissions: tenantUsers.permissions })
      .from(tenantUsers)
      .where(and(eq(tenantUsers.userId, userId), eq(tenantUsers.isActive, true)));
    return found ?? null;
  });
  if (!membership) return NO_PERMISSIONS;
  const granted = new Set<Permission>(ROLE_PERMISSIONS[membership.role]);
  for (const extra of membership.permissions) if (isPermission(extra)) granted.add(extra);
  if (ctx.principal?.kind !== 'api_key') return granted;
  const keyScope = new Set(ctx.principal.permissions);
  return new Set([...granted].filter((p) => keyScope.has(p)));
}
