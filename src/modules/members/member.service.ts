import { and, count, desc, eq, gt, ilike, isNull, ne, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { forgetMembership } from '../../auth/load-permissions.js';
import { hashPassword, passwordProblem } from '../../auth/passwords.js';
import { actingUserId } from '../../auth/principal.js';
import { sha256 } from '../../auth/tokens.js';
import { containsPattern } from '../../db/like.js';
import { rows } from '../../db/rows.js';
import { invitations, type Role, tenants, tenantUsers, users } from '../../db/schema/index.js';
import { badInput, forbidden, notFound } from '../../errors.js';
import type { RequestContext, TenantContext } from '../../tenancy/context.js';
import { keysetPage, type Ordering, type Page } from '../../graphql/pagination.js';
import { recordAudit } from '../audit/audit.service.js';
import { assertQuota } from '../tenants/quota.js';
import { invitationMail, newInvitationToken } from './invitation-mail.js';
import type { AcceptedInvitation, Invitation, Member, MemberFilter, MemberRole } from './member.type.js';

const RANK: Record<Role, number> = { owner: 4, admin: 3, editor: 2, viewer: 1 };
const email = z.email();
const NEWEST_FIRST: Ordering = { name: 'members.joinedAt.desc', column: tenantUsers.createdAt, cast: 'timestamptz', direction: 'desc' };

const MEMBER_COLUMNS = {
  userId: tenantUsers.userId,
  email: users.email,
  displayName: users.displayName,
  role: tenantUsers.role,
  extraPermissions: tenantUsers.permissions,
  isActive: tenantUsers.isActive,
  joinedAt: tenantUsers.createdAt,
};

async function callerRole(ctx: TenantContext): Promise<Role> {
  const tx = await ctx.db.get();
  const [me] = await tx.select({ role: tenantUsers.role }).from(tenantUsers).where(and(eq(tenantUsers.userId, actingUserId(ctx.principal) ?? ''), eq(tenantUsers.isActive, true)));
  if (!me) throw forbidden('Only members of this organisation may do this');
  return me.role;
}

export async function listMembers(ctx: TenantContext, filter: MemberFilter | undefined, first?: number | null, after?: string | null): Promise<Page<Member>> {
  const conditions: (SQL | undefined)[] = [
    filter?.role ? eq(tenantUsers.role, filter.role) : undefined,
    filter?.active === undefined || filter.active === null ? undefined : eq(tenantUsers.isActive, filter.active),
    filter?.search ? ilike(users.email, containsPattern(filter.search)) : undefined,
  ];
  const where = and(...conditions);
  const tx = await ctx.db.get();
  return keysetPage(
    NEWEST_FIRST,
    tenantUsers.userId,
    { first, after },
    (w) =>
      tx
        .select({ ...MEMBER_COLUMNS, id: tenantUsers.userId, sortKey: w.sortKey })
        .from(tenantUsers)
        .innerJoin(users, eq(users.id, tenantUsers.userId))
        .where(and(where, w.where))
        .orderBy(...w.orderBy)
        .limit(w.limit)
        .execute(w.values),
    async () => (await tx.select({ n: count() }).from(tenantUsers).innerJoin(users, eq(users.id, tenantUsers.userId)).where(where))[0]?.n ?? 0,
    ({ id: _id, sortKey: _k, ...m }) => m as Member,
  );
}

export async function listInvitations(ctx: TenantContext): Promise<Invitation[]> {
  const tx = await ctx.db.get();
  return (await tx
    .select({ id: invitations.id, email: invitations.email, role: invitations.role, expiresAt: invitations.expiresAt, createdAt: invitations.createdAt })
    .from(invitations)
    .where(and(isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, new Date())))
    .orderBy(desc(invitations.createdAt))) as Invitation[];
}

/**
 * Invites a person by email with a single-use token that expires. Pending invitations hold a
 * seat (max_users). Nobody invites above their own role; only an owner invites an owner.
 */
export async function inviteMember(ctx: TenantContext, address: string, role: MemberRole): Promise<Invitation> {
  const to = address.trim().toLowerCase();
  if (!email.safeParse(to).success) throw badInput('email', 'is not a valid email address');
  const mine = await callerRole(ctx);
  if (RANK[role] > RANK[mine]) throw forbidden(`A${mine === 'admin' ? 'n' : ''} ${mine} cannot invite a${role === 'owner' || role === 'admin' ? 'n' : ''} ${role}`);
  const tx = await ctx.db.get();
  const [existing] = await tx
    .select({ id: tenantUsers.id })
    .from(tenantUsers)
    .innerJoin(users, eq(users.id, tenantUsers.userId))
    .where(and(sql`lower(${users.email}) = ${to}`, eq(tenantUsers.isActive, true)));
  if (existing) throw badInput('email', 'already belongs to an active member');
  // A new invitation to the same address replaces the pending one (and its seat).
  await tx
    .update(invitations)
    .set({ revokedAt: new Date() })
    .where(and(sql`lower(${invitations.email}) = ${to}`, isNull(invitations.acceptedAt), isNull(invitations.revokedAt)));
  await assertQuota(ctx, 'users');
  const { invitationTtlHours } = ctx.deps.config;
  const { token, tokenHash, expiresAt } = newInvitationToken(invitationTtlHours);
  const [created] = await tx
    .insert(invitations)
    .values({ tenantId: ctx.tenant.id, email: to, role, tokenHash, invitedBy: actingUserId(ctx.principal), expiresAt })
    .returning({ id: invitations.id, email: invitations.email, role: invitations.role, expiresAt: invitations.expiresAt, createdAt: invitations.createdAt });
  await recordAudit(ctx, { action: 'member.invite', targetType: 'invitation', targetId: created!.id, changes: { email: { after: to }, role: { after: role } } });
  const [tenant] = await tx.select({ name: tenants.name }).from(tenants).where(eq(tenants.id, ctx.tenant.id));
  await ctx.db.enqueue({ kind: 'mail.send', payload: invitationMail(ctx.deps.config, to, tenant!.name, role, token) });
  return created as Invitation;
}

export async function revokeInvitation(ctx: TenantContext, id: string): Promise<string> {
  const tx = await ctx.db.get();
  const [revoked] = await tx
    .update(invitations)
    .set({ revokedAt: new Date() })
    .where(and(eq(invitations.id, id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
    .returning({ id: invitations.id, email: invitations.email });
  if (!revoked) throw notFound('Invitation');
  await recordAudit(ctx, { action: 'member.invitation_revoke', targetType: 'invitation', targetId: id, changes: { email: { before: revoked.email } } });
  return id;
}

/**
 * Joins an existing verified account, or creates one (password required). An account of that
 * address that never proved it is taken over: the password given replaces its own and its sessions
 * end. A token of another tenant is refused.
 */
export async function acceptInvitation(ctx: RequestContext, token: string, password?: string | null): Promise<AcceptedInvitation> {
  if (password) {
    const problem = passwordProblem(password);
    if (problem) throw badInput('password', problem);
  }
  const passwordHash = password ? await hashPassword(password) : null;
  const tx = await ctx.db.get();
  const [r] = await rows<{ status: string; tenant_id: string | null; user_id: string | null; role: Role | null }>(
    tx,
    sql`select * from anthias_accept_invitation(${sha256(token)}, ${ctx.tenant?.id ?? null}::uuid, ${passwordHash},
      ${ctx.requestId}, ${ctx.client.ip}::inet, ${ctx.client.userAgent})`,
  );
  if (!r || r.status === 'invalid') throw badInput('token', 'is invalid, expired or already used');
  if (r.status === 'password_required') throw badInput('password', 'is required to set up your account');
  await forgetMembership(ctx, r.tenant_id!, r.user_id!);
  const newAccount = r.status === 'created';
  // A reclaimed account (its address was never proven) now belongs to whoever accepted: their password, no old session.
  if (r.status === 'reclaimed') await ctx.deps.sessions.accountReset(tx, r.user_id!);
  const session = newAccount || r.status === 'reclaimed' ? await ctx.deps.sessions.create(tx, r.user_id!, ctx.client) : null;
  return { tenantId: r.tenant_id!, role: r.role as MemberRole, newAccount, sessionToken: session?.token ?? null };
}

async function lockMember(ctx: TenantContext, userId: string) {
  const tx = await ctx.db.get();
  const [target] = await tx
    .select({ id: tenantUsers.id, role: tenantUsers.role, isActive: tenantUsers.isActive })
    .from(tenantUsers)
    .where(eq(tenantUsers.userId, userId))
    .for('update');
  if (!target) throw notFound('Member');
  return target;
}

/** There is always at least one active owner: changes that would leave none are refused. */
async function assertAnotherOwner(ctx: TenantContext, userId: string, field: string): Promise<void> {
  const tx = await ctx.db.get();
  const owners = await tx
    .select({ userId: tenantUsers.userId })
    .from(tenantUsers)
    .where(and(eq(tenantUsers.role, 'owner'), eq(tenantUsers.isActive, true), ne(tenantUsers.userId, userId)))
    .for('update');
  if (!owners.length) throw badInput(field, 'the organisation must keep at least one active owner');
}

/** Owners alone grant or take ownership; nobody raises anyone above their own role. */
function assertMayManage(mine: Role, targetRole: Role, newRole?: Role): void {
  if ((targetRole === 'owner' || newRole === 'owner') && mine !== 'owner') throw forbidden('Only an owner may grant or remove ownership');
  if (RANK[targetRole] > RANK[mine]) throw forbidden(`A ${mine} cannot change a ${targetRole}`);
  if (newRole && RANK[newRole] > RANK[mine]) throw forbidden(`A ${mine} cannot grant the ${newRole} role`);
}

export async function updateMemberRole(ctx: TenantContext, userId: string, role: MemberRole): Promise<Member> {
  const mine = await callerRole(ctx);
  const target = await lockMember(ctx, userId);
  assertMayManage(mine, target.role, role);
  if (target.role === 'owner' && role !== 'owner' && target.isActive) await assertAnotherOwner(ctx, userId, 'role');
  const tx = await ctx.db.get();
  await tx.update(tenantUsers).set({ role, updatedAt: new Date() }).where(eq(tenantUsers.id, target.id));
  await forgetMembership(ctx, ctx.tenant.id, userId);
  await recordAudit(ctx, { action: 'member.role', targetType: 'user', targetId: userId, changes: { role: { before: target.role, after: role } } });
  return getMember(ctx, userId);
}

export async function setMemberActive(ctx: TenantContext, userId: string, active: boolean): Promise<Member> {
  const mine = await callerRole(ctx);
  const target = await lockMember(ctx, userId);
  assertMayManage(mine, target.role);
  if (!active && target.role === 'owner' && target.isActive) await assertAnotherOwner(ctx, userId, 'userId');
  if (active && !target.isActive) await assertQuota(ctx, 'users');
  const tx = await ctx.db.get();
  await tx.update(tenantUsers).set({ isActive: active, updatedAt: new Date() }).where(eq(tenantUsers.id, target.id));
  await forgetMembership(ctx, ctx.tenant.id, userId);
  await recordAudit(ctx, {
    action: active ? 'member.reactivate' : 'member.deactivate',
    targetType: 'user',
    targetId: userId,
    changes: { isActive: { before: target.isActive, after: active } },
  });
  return getMember(ctx, userId);
}

export async function removeMember(ctx: TenantContext, userId: string): Promise<string> {
  const mine = await callerRole(ctx);
  const target = await lockMember(ctx, userId);
  assertMayManage(mine, target.role);
  if (target.role === 'owner' && target.isActive) await assertAnotherOwner(ctx, userId, 'userId');
  const tx = await ctx.db.get();
  await tx.delete(tenantUsers).where(eq(tenantUsers.id, target.id));
  await forgetMembership(ctx, ctx.tenant.id, userId);
  await recordAudit(ctx, { action: 'member.remove', targetType: 'user', targetId: userId, changes: { role: { before: target.role } } });
  return userId;
}

/** The caller (an owner) hands ownership to an active member and becomes an admin. */
export async function transferOwnership(ctx: TenantContext, userId: string): Promise<Member> {
  const mine = await callerRole(ctx);
  if (mine !== 'owner') throw forbidden('Only an owner may transfer ownership');
  const me = actingUserId(ctx.principal)!;
  if (userId === me) throw badInput('userId', 'is already an owner');
  const target = await lockMember(ctx, userId);
  if (!target.isActive) throw badInput('userId', 'must be an active member');
  const tx = await ctx.db.get();
  await tx.update(tenantUsers).set({ role: 'owner', updatedAt: new Date() }).where(eq(tenantUsers.id, target.id));
  await tx.update(tenantUsers).set({ role: 'admin', updatedAt: new Date() }).where(eq(tenantUsers.userId, me));
  await forgetMembership(ctx, ctx.tenant.id, userId);
  await forgetMembership(ctx, ctx.tenant.id, me);
  await recordAudit(ctx, {
    action: 'tenant.transfer_ownership',
    targetType: 'user',
    targetId: userId,
    changes: { owner: { before: me, after: userId }, role: { before: target.role, after: 'owner' } },
  });
  return getMember(ctx, userId);
}

async function getMember(ctx: TenantContext, userId: string): Promise<Member> {
  const tx = await ctx.db.get();
  const [m] = await tx.select(MEMBER_COLUMNS).from(tenantUsers).innerJoin(users, eq(users.id, tenantUsers.userId)).where(eq(tenantUsers.userId, userId));
  if (!m) throw notFound('Member');
  return m as Member;
}
