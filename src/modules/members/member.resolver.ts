import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { TenantCtx } from '../../graphql/tenant-ctx.js';
import type { RequestContext, TenantContext } from '../../tenancy/context.js';
import { requireId } from '../../graphql/ids.js';
import {
  acceptInvitation, inviteMember, listInvitations, listMembers, removeMember, revokeInvitation,
  setMemberActive, transferOwnership, updateMemberRole,
} from './member.service.js';
import { AcceptedInvitation, Invitation, Member, MemberConnection, MemberFilter, MemberRole } from './member.type.js';

@Resolver(() => Member)
export class MemberResolver {
  @Query(() => MemberConnection, { description: 'Needs members.view.' })
  members(
    @TenantCtx() ctx: TenantContext,
    @Arg('filter', () => MemberFilter, { nullable: true }) filter?: MemberFilter,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return listMembers(ctx, filter, first, after);
  }

  @Query(() => [Invitation], { description: 'Pending invitations. Needs members.view.' })
  invitations(@TenantCtx() ctx: TenantContext): Promise<Invitation[]> {
    return listInvitations(ctx);
  }

  @Mutation(() => Invitation, { description: 'Mails a single-use invitation that expires; it holds a seat. Needs members.invite.' })
  inviteMember(@TenantCtx() ctx: TenantContext, @Arg('email', () => String) email: string, @Arg('role', () => MemberRole) role: MemberRole): Promise<Invitation> {
    return inviteMember(ctx, email, role);
  }

  @Mutation(() => ID, { description: 'Needs members.invite.' })
  revokeInvitation(@TenantCtx() ctx: TenantContext, @Arg('id', () => ID) id: string): Promise<string> {
    return revokeInvitation(ctx, requireId('id', id));
  }

  @Mutation(() => AcceptedInvitation, { description: 'Joins with the token from the invitation mail; a new account needs a password.' })
  acceptInvitation(
    @Ctx() ctx: RequestContext,
    @Arg('token', () => String) token: string,
    @Arg('password', () => String, { nullable: true }) password?: string,
  ): Promise<AcceptedInvitation> {
    return acceptInvitation(ctx, token, password);
  }

  @Mutation(() => Member, { description: 'Needs members.update; only owners grant or remove ownership.' })
  updateMemberRole(@TenantCtx() ctx: TenantContext, @Arg('userId', () => ID) userId: string, @Arg('role', () => MemberRole) role: MemberRole): Promise<Member> {
    return updateMemberRole(ctx, requireId('userId', userId), role);
  }

  @Mutation(() => Member, { description: 'Keeps the membership but refuses its requests. Needs members.update.' })
  deactivateMember(@TenantCtx() ctx: TenantContext, @Arg('userId', () => ID) userId: string): Promise<Member> {
    return setMemberActive(ctx, requireId('userId', userId), false);
  }

  @Mutation(() => Member, { description: 'Needs members.update; takes a seat again.' })
  reactivateMember(@TenantCtx() ctx: TenantContext, @Arg('userId', () => ID) userId: string): Promise<Member> {
    return setMemberActive(ctx, requireId('userId', userId), true);
  }

  @Mutation(() => ID, { description: 'Needs members.remove.' })
  removeMember(@TenantCtx() ctx: TenantContext, @Arg('userId', () => ID) userId: string): Promise<string> {
    return removeMember(ctx, requireId('userId', userId));
  }

  @Mutation(() => Member, { description: 'An owner makes another active member owner and becomes an admin.' })
  transferOwnership(@TenantCtx() ctx: TenantContext, @Arg('userId', () => ID) userId: string): Promise<Member> {
    return transferOwnership(ctx, requireId('userId', userId));
  }
}
