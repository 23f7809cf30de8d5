import { setTimeout as sleep } from 'node:timers/promises';
import { eq, sql } from 'drizzle-orm';
import { decoyHash, verifyPassword } from '../../auth/passwords.js';
import type { Tx } from '../../db/client.js';
import { rows } from '../../db/rows.js';
import { users } from '../../db/schema/index.js';
import { AppError } from '../../errors.js';
import type { RequestContext } from '../../tenancy/context.js';
import { withTenantTransaction } from '../../tenancy/tenant-transaction.js';
import type { Me, Membership, Session } from './identity.type.js';
import { checkSecondFactor } from './second-factor-check.js';
import type { User } from './user.type.js';

type MembershipRow = {
  tenant_id: string;
  subdomain: string;
  name: string;
  status: string;
  role: string;
  permissions: string[];
  is_active: boolean;
};

async function profile(tx: Tx, userId: string): Promise<{ user: User; emailVerified: boolean; memberships: Membership[] }> {
  const [found] = await tx
    .select({ id: users.id, email: users.email, displayName: users.displayName, verifiedAt: users.emailVerifiedAt })
    .from(users)
    .where(eq(users.id, userId));
  if (!found) throw new AppError('UNAUTHENTICATED', 'This account no longer exists');
  const { verifiedAt, ...user } = found;
  const memberships = (await rows<MembershipRow>(tx, sql`select * from anthias_my_memberships()`)).map((m) => ({
    tenantId: m.tenant_id,
    subdomain: m.subdomain,
    tenantName: m.name,
    role: m.role,
    extraPermissions: m.permissions,
    isActive: m.is_active,
    tenantActive: m.status === 'active',
  }));
  return { user, emailVerified: verifiedAt !== null, memberships };
}

const invalid = () => new AppError('UNAUTHENTICATED', 'Invalid email or password');

/**
 * Unknown email and wrong password give the same error after the same work (a decoy hash is
 * verified when no user matches); failures are counted per email and per address.
 */
export async function login(ctx: RequestContext, email: string, password: string, secondFactor?: string | null): Promise<Session> {
  const { loginThrottle, sessions } = ctx.deps;
  const delay = await loginThrottle.attempt(email, ctx.client.ip);
  const [account] = await rows<{ user_id: string; password_hash: string }>(
    ctx.pool,
    sql`select * from anthias_login_lookup(${email})`,
  );
  const ok = await verifyPassword(account?.password_hash ?? (await decoyHash()), password);
  if (!account || !ok) {
    if (delay) await sleep(delay);
    throw invalid();
  }
  // A wrong or missing code leaves the attempt counted as a failure, like a wrong password.
  const factor = await checkSecondFactor(ctx.pool, account.user_id, secondFactor);
  if (factor === 'wrong' && delay) await sleep(delay);
  if (factor === 'wrong') throw new AppError('UNAUTHENTICATED', 'Invalid second-factor code');
  if (factor === 'missing') throw new AppError('SECOND_FACTOR_REQUIRED', 'This account has a second factor: send its current code (or a recovery code) as secondFactor');
  await loginThrottle.succeeded(email, ctx.client.ip);
  // The caller had no identity when this request's transaction was scoped: read as the new user.
  const found = await withTenantTransaction(ctx.pool, { tenantId: null, userId: account.user_id, readOnly: true }, (tx) =>
    profile(tx, account.user_id),
  );
  const { token, expiresAt } = await sessions.create(await ctx.db.get(), account.user_id, ctx.client);
  ctx.log.info({ user_id: account.user_id }, 'signed in');
  return { token, expiresAt, ...found };
}

export async function logout(ctx: RequestContext): Promise<boolean> {
  if (ctx.principal?.kind !== 'user') throw new AppError('UNAUTHENTICATED', 'Sign in first');
  await ctx.deps.sessions.revokeOwn(await ctx.db.get(), { only: ctx.principal.sessionId });
  return true;
}

export async function me(ctx: RequestContext): Promise<Me> {
  if (ctx.principal?.kind !== 'user') throw new AppError('UNAUTHENTICATED', 'Sign in first');
  const found = await profile(await ctx.db.get(), ctx.principal.userId);
  return { ...found, secondFactor: ctx.principal.secondFactor, permissions: [...ctx.permissions].sort() };
}
