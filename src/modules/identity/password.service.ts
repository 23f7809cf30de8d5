import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { hashPassword, passwordProblem, verifyPassword } from '../../auth/passwords.js';
import { sha256 } from '../../auth/tokens.js';
import { rows } from '../../db/rows.js';
import { users } from '../../db/schema/index.js';
import { AppError, badInput } from '../../errors.js';
import type { RequestContext } from '../../tenancy/context.js';
import { newAccountToken, passwordResetMail } from './account-mail.js';

const email = z.email();

function strong(field: string, password: string): void {
  const problem = passwordProblem(password);
  if (problem) throw badInput(field, problem);
}

/**
 * The signed-in person's new password; the current one is required (a wrong one counts as a failed
 * sign-in). Every other session of the account ends; this one stays.
 */
export async function changePassword(ctx: RequestContext, current: string, next: string): Promise<boolean> {
  if (ctx.principal?.kind !== 'user') throw new AppError('UNAUTHENTICATED', 'Sign in first');
  const { loginThrottle, sessions } = ctx.deps;
  strong('newPassword', next);
  const tx = await ctx.db.get();
  const [me] = await tx.select({ email: users.email }).from(users).where(eq(users.id, ctx.principal.userId));
  if (!me) throw new AppError('UNAUTHENTICATED', 'This account no longer exists');
  await loginThrottle.attempt(me.email, ctx.client.ip);
  const [row] = await rows<{ hash: string | null }>(tx, sql`select anthias_my_password_hash() as hash`);
  if (!row?.hash || !(await verifyPassword(row.hash, current))) throw badInput('currentPassword', 'is not your current password');
  await loginThrottle.succeeded(me.email, ctx.client.ip);
  await rows(tx, sql`select anthias_set_my_password(${await hashPassword(next)})`);
  await sessions.revokeOwn(tx, { except: ctx.principal.sessionId });
  return true;
}

/**
 * Mails a reset link when the address has an account. The answer is the same either way, and so
 * is the work: the mail is sent by this instance after the response has left (the outbox worker
 * retries it if that fails), so the response time does not tell either.
 */
export async function requestPasswordReset(ctx: RequestContext, address: string): Promise<boolean> {
  const to = address.trim().toLowerCase();
  if (!email.safeParse(to).success) throw badInput('email', 'is not a valid email address');
  const { limiter, config } = ctx.deps;
  await limiter.consume('password_reset.address', ctx.client.ip);
  await limiter.consume('password_reset.email', to);
  const { token, tokenHash } = newAccountToken();
  const tx = await ctx.db.get();
  const [issued] = await rows<{ user_id: string | null }>(
    tx,
    sql`select anthias_issue_account_token('reset_password', ${to}, ${tokenHash}, ${config.accounts.resetTtlMinutes * 60}) as user_id`,
  );
  if (issued?.user_id) await ctx.db.enqueue({ kind: 'mail.send', payload: passwordResetMail(config, to, token) }, { afterAnswer: true });
  return true;
}

/** Spends a reset token: the new password is set, the address counts as proven, and every session of the account ends. */
export async function resetPassword(ctx: RequestContext, token: string, password: string): Promise<boolean> {
  strong('password', password);
  const passwordHash = await hashPassword(password);
  const tx = await ctx.db.get();
  const [used] = await rows<{ user_id: string | null }>(tx, sql`select anthias_use_account_token('reset_password', ${sha256(token)}, ${passwordHash}) as user_id`);
  if (!used?.user_id) throw badInput('token', 'is invalid, expired or already used');
  await ctx.deps.sessions.accountReset(tx, used.user_id);
  return true;
}
