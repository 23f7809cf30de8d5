import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { MEMBERSHIP_CACHE, membershipKey } from '../../auth/load-permissions.js';
import type { InvalidationBus } from '../../cache/invalidation-bus.js';
import type { Config } from '../../config.js';
import type { Database, Tx } from '../../db/client.js';
import { rows } from '../../db/rows.js';
import { invitations, type Role, tenantUsers } from '../../db/schema/index.js';
import { badInput } from '../../errors.js';
import type { Mail } from '../../mail/mailer.js';
import { enqueueEffect } from '../../outbox/effects.js';
import { INLINE_GRACE_SECONDS } from '../../outbox/outbox.js';
import { withTenantTransaction } from '../../tenancy/tenant-transaction.js';
import { lockTenantLimits, assertRoom, usage } from '../tenants/quota.js';
import { recordSystemAudit, tenantBySubdomain } from '../tenants/tenant-admin.service.js';
import { invitationMail, newInvitationToken } from './invitation-mail.js';

// Operator actions on a tenant's owners. They run in the tenant's own RLS context (as a request
// would), on the owner's connection, and are audited as the system.

const email = z.email();

export type OwnerOutcome =
  | { action: 'added' | 'already-owner'; tenant: string; email: string; userId: string }
  | { action: 'invited'; tenant: string; email: string; role: Role; invitationId: string; expiresAt: Date; mail: { id: string; payload: Mail } };

type Deps = { db: Database; bus: InvalidationBus; config: Pick<Config, 'accounts' | 'invitationTtlHours'> };

function address(raw: string): string {
  const to = raw.trim().toLowerCase();
  if (!email.safeParse(to).success) throw badInput('email', 'is not a valid email address');
  return to;
}

/** The account of this address when it has proven the address; an unverified one is never given a membership. */
async function verifiedAccount(tx: Tx, to: string): Promise<string | null> {
  const [account] = await rows<{ user_id: string }>(tx, sql`select user_id from anthias_login_lookup(${to})`);
  if (!account) return null;
  const [state] = await rows<{ email_verified: boolean }>(tx, sql`select * from anthias_account_state(${account.user_id}::uuid)`);
  return state?.email_verified ? account.user_id : null;
}

/** A new pending invitation (replacing any pending one of that address), its mail queued in the outbox. */
async function invite(tx: Tx, deps: Deps, tenant: { id: string; name: string; subdomain: string }, to: string, role: Role, action: string): Promise<OwnerOutcome> {
  await tx.update(invitations).set({ revokedAt: new Date() }).where(and(sql`lower(${invitations.email}) = ${to}`, isNull(invitations.acceptedAt), isNull(invitations.revokedAt)));
  assertRoom(await usage(tx, 'users'), await lockTenantLimits(tx, tenant.id), 'users', 1);
  const { token, tokenHash, expiresAt } = newInvitationToken(deps.config.invitationTtlHours);
  const [created] = await tx.insert(invitations).values({ tenantId: tenant.id, email: to, role, tokenHash, expiresAt }).returning({ id: invitations.id });
  await recordSystemAudit(tx, tenant.id, action, { email: { after: to }, role: { after: role } }, { type: 'invitation', id: created!.id });
  const payload = invitationMail(deps.config, to, tenant.name, role, token);
  const queued = await enqueueEffect(tx, { kind: 'mail.send', payload }, INLINE_GRACE_SECONDS);
  return { action: 'invited', tenant: tenant.subdomain, email: to, role, invitationId: created!.id, expiresAt, mail: { id: queued.id, payload } };
}

/**
 * Makes the account of `email` an owner of the tenant when it exists and has proven its address
 * (joining, promoting or reactivating it); otherwise mails an owner invitation, which proves the
 * mailbox when accepted. The rescue for a tenant without an active owner.
 */
export async function addOwner(deps: Deps, subdomain: string, rawEmail: string): Promise<OwnerOutcome> {
  const to = address(rawEmail);
  const tenant = await tenantBySubdomain(deps.db, subdomain);
  return withTenantTransaction(deps.db, { tenantId: tenant.id }, async (tx) => {
    const userId = await verifiedAccount(tx, to);
    if (!userId) return invite(tx, deps, tenant, to, 'owner', 'member.invite');
    const [member] = await tx.select({ role: tenantUsers.role, isActive: tenantUsers.isActive }).from(tenantUsers).where(eq(tenantUsers.userId, userId)).for('update');
    if (member?.role === 'owner' && member.isActive) return { action: 'already-owner', tenant: tenant.subdomain, email: to, userId };
    if (!member?.isActive) assertRoom(await usage(tx, 'users'), await lockTenantLimits(tx, tenant.id), 'users', 1);
    if (member) await tx.update(tenantUsers).set({ role: 'owner', isActive: true, updatedAt: new Date() }).where(eq(tenantUsers.userId, userId));
    else await tx.insert(tenantUsers).values({ tenantId: tenant.id, userId, role: 'owner' });
    await recordSystemAudit(tx, tenant.id, 'member.add_owner', { role: { before: member?.role ?? null, after: 'owner' }, isActive: { before: member?.isActive ?? null, after: true } }, { type: 'user', id: userId });
    await deps.bus.announce(MEMBERSHIP_CACHE, [membershipKey(tenant.id, userId)], tx);
    return { action: 'added', tenant: tenant.subdomain, email: to, userId };
  });
}

/** A new link for the address's latest unaccepted invitation (expired ones too): the old link stops working. */
export async function resendInvitation(deps: Deps, subdomain: string, rawEmail: string): Promise<OwnerOutcome> {
  const to = address(rawEmail);
  const tenant = await tenantBySubdomain(deps.db, subdomain);
  return withTenantTransaction(deps.db, { tenantId: tenant.id }, async (tx) => {
    const [latest] = await tx
      .select({ role: invitations.role, revokedAt: invitations.revokedAt })
      .from(invitations)
      .where(and(sql`lower(${invitations.email}) = ${to}`, isNull(invitations.acceptedAt)))
      .orderBy(desc(invitations.createdAt))
      .limit(1);
    if (!latest || latest.revokedAt) throw badInput('email', `has no pending invitation in ${tenant.subdomain}`);
    return invite(tx, deps, tenant, to, latest.role, 'member.invitation_resend');
  });
}
