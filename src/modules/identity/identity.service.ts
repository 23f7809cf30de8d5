import { setTimeout as sleep } from 'node:timers/promises';
import { eq, sql } from 'drizzle-orm';
import { decoyHash, verifyPassword } from '../../auth/passwords.js';
import type { Tx } from '../../db/client.js';
import { rows } from '../../db/rows.js';
import { users } from '../../db/schema/index.js';
import { AppError } from '../../errors.js';
import type { Context } from '../../graphql/context.js';
import { withTenantTransaction } from '../../tenancy/tenant-transaction.js';
import type { Me, Membership, Session } from './identity.type.js';
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

async function profile(tx: Tx, userId: string): Promise<{ user: User; memberships: Membership[] }> {
  const [user] = await tx
    .select({ id: users.id, email: users.email, displayName: users.displayName })
    .from(users)
    .where(eq(users.id, userId));
  if (!user) throw new AppError('UNAUTHENTICATED', 'This account no longer exists');
  const memberships = (await rows<MembershipRow>(tx, sql`select * from anthias_my_memberships()`)).map((m) => ({
    tenantId: m.tenant_id,
    subdomain: m.subdomain,
    tenantName: m.name,
    role: m.role,
    extraPermissions: m.permissions,
    isActive: m.is_active,
    tenantActive: m.status === 'active',
  }));
  return { user, memberships };
}

const invalid = () => new AppError('UNAUTHENTICATED', 'Invalid email or password');

/**
 * Unknown email and wrong password give the same error after the same work (a decoy hash is
 * verified when no user matches); failures are counted per email and per address.
 */
export async function login(ctx: Context, email: string, password: string): Promise<Session> {
  const { loginThrottle, sessions, database } = ctx.deps;
  const delay = await loginThrottle.check(email, ctx.client.ip);
  const [account] = await rows<{ user_id: string; password_hash: string }>(
    database.db,
    sql`select * from anthias_login_lookup(${email})`,
  );
  const ok = await verifyPassword(account?.password_hash ?? (await decoyHash()), password);
  if (!account || !ok) {
    await loginThrottle.failed(email, ctx.client.ip);
    if (delay) await sleep(delay);
    throw invalid();
  }
  await loginThrottle.succeeded(email);
  // The caller had no identity when this request's transaction was scoped: read as the new user.
  const found = await withTenantTransaction(database.db, { tenantId: null, userId: account.user_id, readOnly: true }, (tx) =>
    profile(tx, account.user_id),
  );
  const { token, expiresAt } = await sessions.create(account.user_id);
  ctx.log.info({ user_id: account.user_id }, 'signed in');
  return { token, expiresAt, ...found };
}

export async function logout(ctx: Context): Promise<boolean> {
  if (ctx.principal?.kind !== 'user') throw new AppError('UNAUTHENTICATED', 'Sign in first');
  await ctx.deps.sessions.revoke(ctx.principal.sessionId);
  return true;
}

export async function me(ctx: Context): Promise<Me> {
  if (ctx.principal?.kind !== 'user') throw new AppError('UNAUTHENTICATED', 'Sign in first');
  const found = await profile(await ctx.db.get(), ctx.principal.userId);
  return { ...found, permissions: [...ctx.permissions].sort() };
}
