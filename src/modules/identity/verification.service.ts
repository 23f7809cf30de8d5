import { eq, sql } from 'drizzle-orm';
import { sha256 } from '../../auth/tokens.js';
import type { Tx } from '../../db/client.js';
import { rows } from '../../db/rows.js';
import { users } from '../../db/schema/index.js';
import { AppError, badInput } from '../../errors.js';
import type { RequestContext } from '../../tenancy/context.js';
import { newAccountToken, verificationMail } from './account-mail.js';

/**
 * Mails a new verification token to the account of `email` (its unused ones stop working), in the
 * request's transaction: the mail leaves only if that commits. Nothing is sent for an address that
 * is verified already.
 */
export async function sendVerification(ctx: RequestContext, tx: Tx, email: string): Promise<boolean> {
  const { config } = ctx.deps;
  const { token, tokenHash } = newAccountToken();
  const [issued] = await rows<{ user_id: string | null }>(
    tx,
    sql`select anthias_issue_account_token('verify_email', ${email}, ${tokenHash}, ${config.accounts.verificationTtlHours * 3600}) as user_id`,
  );
  if (!issued?.user_id) return false;
  await ctx.db.enqueue({ kind: 'mail.send', payload: verificationMail(config, email, token) });
  return true;
}

/** Spends a mailed verification token: the address is proven, and the account may do everything. */
export async function verifyEmail(ctx: RequestContext, token: string): Promise<boolean> {
  const tx = await ctx.db.get();
  const [used] = await rows<{ user_id: string | null }>(tx, sql`select anthias_use_account_token('verify_email', ${sha256(token)}, null) as user_id`);
  if (!used?.user_id) throw badInput('token', 'is invalid, expired or already used');
  await ctx.deps.sessions.forgetAccount(tx, used.user_id);
  return true;
}

/** A new verification mail for the signed-in account (the previous link stops working). */
export async function resendVerification(ctx: RequestContext): Promise<boolean> {
  if (ctx.principal?.kind !== 'user') throw new AppError('UNAUTHENTICATED', 'Sign in first');
  await ctx.deps.limiter.consume('verification.user', ctx.principal.userId);
  const tx = await ctx.db.get();
  const [me] = await tx.select({ email: users.email, verifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.id, ctx.principal.userId));
  if (!me) throw new AppError('UNAUTHENTICATED', 'This account no longer exists');
  if (me.verifiedAt) throw badInput('email', 'is verified already');
  await sendVerification(ctx, tx, me.email);
  return true;
}
