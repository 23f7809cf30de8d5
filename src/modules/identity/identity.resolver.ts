import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../tenancy/context.js';
import { login, logout, me } from './identity.service.js';
import { Me, Session } from './identity.type.js';
import { changePassword, requestPasswordReset, resetPassword } from './password.service.js';
import { logoutEverywhere, mySessions, revokeSession } from './session.service.js';
import { SessionInfo } from './session.type.js';
import { resendVerification, verifyEmail } from './verification.service.js';

@Resolver()
export class IdentityResolver {
  @Mutation(() => Session, {
    description:
      'Signs in. Wrong email and wrong password give the same UNAUTHENTICATED error. An account with a second factor needs `secondFactor` (the current TOTP code or an unused recovery code): without it the answer is SECOND_FACTOR_REQUIRED.',
  })
  login(
    @Ctx() ctx: RequestContext,
    @Arg('email', () => String) email: string,
    @Arg('password', () => String) password: string,
    @Arg('secondFactor', () => String, { nullable: true }) secondFactor?: string | null,
  ): Promise<Session> {
    return login(ctx, email, password, secondFactor);
  }

  @Mutation(() => Boolean, { description: 'Revokes the session token this request carries.' })
  logout(@Ctx() ctx: RequestContext): Promise<boolean> {
    return logout(ctx);
  }

  @Mutation(() => Boolean, { description: 'Confirms the address with the token of the mailed link (its fragment). Single use.' })
  verifyEmail(@Ctx() ctx: RequestContext, @Arg('token', () => String) token: string): Promise<boolean> {
    return verifyEmail(ctx, token);
  }

  @Mutation(() => Boolean, { description: 'Mails a new verification link to the signed-in account (the previous one stops working).' })
  resendVerification(@Ctx() ctx: RequestContext): Promise<boolean> {
    return resendVerification(ctx);
  }

  @Mutation(() => Boolean, { description: 'Sets a new password; the current one is required. Every other session of the account ends.' })
  changePassword(
    @Ctx() ctx: RequestContext,
    @Arg('currentPassword', () => String) currentPassword: string,
    @Arg('newPassword', () => String) newPassword: string,
  ): Promise<boolean> {
    return changePassword(ctx, currentPassword, newPassword);
  }

  @Mutation(() => Boolean, {
    description: 'Mails a password-reset link if the address has an account. Always true (the answer never tells whether it has); limited per address.',
  })
  requestPasswordReset(@Ctx() ctx: RequestContext, @Arg('email', () => String) email: string): Promise<boolean> {
    return requestPasswordReset(ctx, email);
  }

  @Mutation(() => Boolean, { description: 'Sets a new password with the token of a reset link (single use, short-lived). Every session of the account ends.' })
  resetPassword(
    @Ctx() ctx: RequestContext,
    @Arg('token', () => String) token: string,
    @Arg('password', () => String) password: string,
  ): Promise<boolean> {
    return resetPassword(ctx, token, password);
  }

  @Query(() => [SessionInfo], { description: "The caller's signed-in sessions, most recently used first; the current one is marked." })
  mySessions(@Ctx() ctx: RequestContext): Promise<SessionInfo[]> {
    return mySessions(ctx);
  }

  @Mutation(() => ID, { description: 'Ends one of your sessions, at once on every instance.' })
  revokeSession(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string): Promise<string> {
    return revokeSession(ctx, id);
  }

  @Mutation(() => Int, { description: 'Ends every session of your account, this one included; returns how many ended.' })
  logoutEverywhere(@Ctx() ctx: RequestContext): Promise<number> {
    return logoutEverywhere(ctx);
  }

  @Query(() => Me, { description: 'The signed-in user and their memberships.' })
  me(@Ctx() ctx: RequestContext): Promise<Me> {
    return me(ctx);
  }
}
