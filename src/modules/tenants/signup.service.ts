import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { hashPassword, passwordProblem, verifyPassword } from '../../auth/passwords.js';
import { rows } from '../../db/rows.js';
import { AppError, badInput, forbidden } from '../../errors.js';
import type { RequestContext } from '../../tenancy/context.js';
import { subdomainProblem } from '../../tenancy/subdomain.js';
import type { Session } from '../identity/identity.type.js';
import { sendVerification } from '../identity/verification.service.js';

const email = z.email();

export type SignUpInput = { organisation: string; subdomain: string; email: string; password: string };

/**
 * Self-service sign-up (ALLOW_SIGNUP): a tenant on the basic plan with its owner, created by the
 * narrow SECURITY DEFINER function anthias_sign_up, and a session for the owner. An email that
 * already has an account must come with that account's password, and that account must have
 * proven its address. A new account's address is not verified: a verification mail goes out, and
 * until it is followed the session may only verify or resend.
 */
export async function signUp(ctx: RequestContext, input: SignUpInput): Promise<Session> {
  const { config, limiter, sessions } = ctx.deps;
  if (!config.allowSignup) throw forbidden('Self-service sign-up is disabled');
  await limiter.consume('signup.address', ctx.client.ip);
  const name = input.organisation.trim();
  if (!name || name.length > 200) throw badInput('organisation', 'must be 1 to 200 characters');
  const subdomain = input.subdomain.trim().toLowerCase();
  const problem = subdomainProblem(subdomain);
  if (problem) throw badInput('subdomain', problem);
  const address = input.email.trim().toLowerCase();
  if (!email.safeParse(address).success) throw badInput('email', 'is not a valid email address');
  const weak = passwordProblem(input.password);
  if (weak) throw badInput('password', weak);

  // In the request's own transaction: it may be open already (a signed-in caller's permissions),
  // and where the pool has one connection (the embedded engine) a second one would wait for it forever.
  const tx = await ctx.db.get();
  const [account] = await rows<{ user_id: string; password_hash: string }>(tx, sql`select * from anthias_login_lookup(${address})`);
  if (account && !(await verifyPassword(account.password_hash, input.password))) {
    throw badInput('password', 'does not match the existing account of this email');
  }
  if (account) {
    const [state] = await rows<{ email_verified: boolean }>(tx, sql`select * from anthias_account_state(${account.user_id}::uuid)`);
    if (!state?.email_verified) throw new AppError('EMAIL_NOT_VERIFIED', 'Confirm the address of your existing account before creating another organisation');
  }
  const passwordHash = account ? null : await hashPassword(input.password);
  let created: { tenant_id: string; user_id: string } | undefined;
  try {
    [created] = await rows<{ tenant_id: string; user_id: string }>(
      tx,
      sql`select * from anthias_sign_up(${name}, ${subdomain}, ${address}, ${passwordHash}, ${account?.user_id ?? null}::uuid,
        ${ctx.requestId}, ${ctx.client.ip}::inet, ${ctx.client.userAgent})`,
    );
  } catch (err) {
    const constraint = (err as { cause?: { constraint_name?: string; constraint?: string } }).cause;
    if ((constraint?.constraint_name ?? constraint?.constraint) === 'tenants_subdomain_key') throw badInput('subdomain', `"${subdomain}" is taken`);
    throw err;
  }
  if (!account) await sendVerification(ctx, tx, address);
  const session = await sessions.create(tx, created!.user_id, ctx.client);
  return {
    ...session,
    user: { id: created!.user_id, email: address, displayName: null },
    emailVerified: Boolean(account),
    memberships: [
      { tenantId: created!.tenant_id, subdomain, tenantName: name, role: 'owner', extraPermissions: [], isActive: true, tenantActive: true },
    ],
  };
}
