import { and, eq, sql } from 'drizzle-orm';
import { verifyPassword } from '../../auth/passwords.js';
import { actingUserId } from '../../auth/principal.js';
import { newRecoveryCodes, newTotpSecret, totpStep } from '../../auth/totp.js';
import type { Tx } from '../../db/client.js';
import { rows } from '../../db/rows.js';
import { tenantDomains, tenants, tenantUsers, users } from '../../db/schema/index.js';
import { AppError, badInput, forbidden } from '../../errors.js';
import type { RequestContext, TenantContext } from '../../tenancy/context.js';
import { recordAudit } from '../audit/audit.service.js';

type MyFactor = { secret: string; enabled: boolean; last_step: string | number | null; recovery_codes_left: number };

function caller(ctx: RequestContext) {
  if (ctx.principal?.kind !== 'user') throw new AppError('UNAUTHENTICATED', 'Sign in first');
  return ctx.principal;
}

/** Enrolment and removal need the password: a session alone (a borrowed laptop) cannot change them. */
async function requirePassword(ctx: RequestContext, tx: Tx, password: string): Promise<string> {
  const me = caller(ctx);
  const [account] = await tx.select({ email: users.email }).from(users).where(eq(users.id, me.userId));
  if (!account) throw new AppError('UNAUTHENTICATED', 'This account no longer exists');
  await ctx.deps.loginThrottle.attempt(account.email, ctx.client.ip);
  const [row] = await rows<{ hash: string | null }>(tx, sql`select anthias_my_password_hash() as hash`);
  if (!row?.hash || !(await verifyPassword(row.hash, password))) throw badInput('password', 'is not your current password');
  await ctx.deps.loginThrottle.succeeded(account.email, ctx.client.ip);
  return account.email;
}

async function myFactor(tx: Tx): Promise<MyFactor | undefined> {
  return (await rows<MyFactor>(tx, sql`select * from anthias_my_second_factor()`))[0];
}

/** Starts (or restarts) enrolment: a new secret for an authenticator app; nothing changes until it is confirmed. */
export async function beginTotpEnrolment(ctx: RequestContext, password: string): Promise<{ secret: string; uri: string }> {
  const tx = await ctx.db.get();
  const email = await requirePassword(ctx, tx, password);
  if ((await myFactor(tx))?.enabled) throw badInput('password', 'a second factor is enabled already; remove it first to enrol another');
  const fresh = newTotpSecret(email);
  await rows(tx, sql`select anthias_begin_second_factor(${fresh.secret})`);
  return fresh;
}

/** Confirms enrolment with a code from the app; returns ten recovery codes, shown only now. */
export async function confirmTotpEnrolment(ctx: RequestContext, code: string): Promise<string[]> {
  const me = caller(ctx);
  const tx = await ctx.db.get();
  const factor = await myFactor(tx);
  if (!factor || factor.enabled) throw badInput('code', 'there is no enrolment to confirm; call beginTotpEnrolment first');
  const step = totpStep(factor.secret, code.trim());
  if (step === null) throw badInput('code', 'does not match; check the app’s clock and try the current code');
  const { codes, hashes } = newRecoveryCodes();
  const [enabled] = await rows<{ ok: boolean }>(tx, sql`select anthias_enable_second_factor(${step}, array(select json_array_elements_text(${JSON.stringify(hashes)}::json))) as ok`);
  if (!enabled?.ok) throw badInput('code', 'there is no enrolment to confirm; call beginTotpEnrolment first');
  await ctx.deps.sessions.forgetAccount(tx, me.userId);
  return codes;
}

/** Removes the second factor and its recovery codes (the password is required). */
export async function disableTotp(ctx: RequestContext, password: string): Promise<boolean> {
  const me = caller(ctx);
  const tx = await ctx.db.get();
  await requirePassword(ctx, tx, password);
  const [gone] = await rows<{ ok: boolean }>(tx, sql`select anthias_disable_second_factor() as ok`);
  if (!gone?.ok) throw badInput('password', 'there is no second factor to remove');
  await ctx.deps.sessions.forgetAccount(tx, me.userId);
  return true;
}

/**
 * An owner requires (or stops requiring) a second factor of every member: members without one are
 * then asked to enrol before anything else. An owner must have one to require it.
 */
export async function requireSecondFactor(ctx: TenantContext, required: boolean): Promise<boolean> {
  const tx = await ctx.db.get();
  const [me] = await tx.select({ role: tenantUsers.role }).from(tenantUsers).where(and(eq(tenantUsers.userId, actingUserId(ctx.principal) ?? ''), eq(tenantUsers.isActive, true)));
  if (me?.role !== 'owner' || ctx.principal?.kind !== 'user') throw forbidden('Only an owner, signed in, may change this');
  if (required && !ctx.principal.secondFactor) throw badInput('required', 'enrol a second factor yourself first');
  const [before] = await tx.select({ required: tenants.requireSecondFactor, subdomain: tenants.subdomain }).from(tenants).where(eq(tenants.id, ctx.tenant.id)).for('update');
  if (before!.required === required) return required;
  await tx.update(tenants).set({ requireSecondFactor: required, updatedAt: new Date() }).where(eq(tenants.id, ctx.tenant.id));
  const domains = await tx.select({ hostname: tenantDomains.hostname }).from(tenantDomains);
  await ctx.deps.directory.invalidate(tx, { id: ctx.tenant.id, subdomains: [before!.subdomain], hostnames: domains.map((d) => d.hostname) });
  await recordAudit(ctx, { action: 'tenant.require_second_factor', targetType: 'tenant', targetId: ctx.tenant.id, changes: { requireSecondFactor: { before: before!.required, after: required } } });
  return required;
}
