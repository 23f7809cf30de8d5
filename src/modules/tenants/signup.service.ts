import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { hashPassword, passwordProblem, verifyPassword } from '../../auth/passwords.js';
import { rows } from '../../db/rows.js';
import { AppError, badInput, forbidden } from '../../errors.js';
import type { Context } from '../../graphql/context.js';
import { subdomainProblem } from '../../tenancy/subdomain.js';
import type { Session } from '../identity/identity.type.js';

const SIGNUPS_PER_ADDRESS_PER_HOUR = 5;
const email = z.email();

export type SignUpInput = { organisation: string; subdomain: string; email: string; password: string };

/**
 * Self-service sign-up (ALLOW_SIGNUP): a tenant on the basic plan with its owner, created by the
 * narrow SECURITY DEFINER function anthias_sign_up, and a session for the owner. An email that
 * already has an account must come with that account's password.
 */
export async function signUp(ctx: Context, input: SignUpInput): Promise<Session> {
  const { config, store, database, sessions } = ctx.deps;
  if (!config.allowSignup) throw forbidden('Self-service sign-up is disabled');
  if ((await store.incr(`signup:ip:${ctx.client.ip}`, 3600)) > SIGNUPS_PER_ADDRESS_PER_HOUR) {
    throw new AppError('RATE_LIMITED', 'Too many sign-ups from this address; try again later');
  }
  const name = input.organisation.trim();
  if (!name || name.length > 200) throw badInput('organisation', 'must be 1 to 200 characters');
  const subdomain = input.subdomain.trim().toLowerCase();
  const problem = subdomainProblem(subdomain);
  if (problem) throw badInput('subdomain', problem);
  const address = input.email.trim().toLowerCase();
  if (!email.safeParse(address).success) throw badInput('email', 'is not a valid email address');
  const weak = passwordProblem(input.password);
  if (weak) throw badInput('password', weak);

  const [account] = await rows<{ user_id: string; password_hash: string }>(database.db, sql`select * from anthias_login_lookup(${address})`);
  if (account && !(await verifyPassword(account.password_hash, input.password))) {
    throw badInput('password', 'does not match the existing account of this email');
  }
  const passwordHash = account ? null : await hashPassword(input.password);
  const tx = await ctx.db.get();
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
  const session = await sessions.create(created!.user_id);
  return {
    ...session,
    user: { id: created!.user_id, email: address, displayName: null },
    memberships: [
      { tenantId: created!.tenant_id, subdomain, tenantName: name, role: 'owner', extraPermissions: [], isActive: true, tenantActive: true },
    ],
  };
}
