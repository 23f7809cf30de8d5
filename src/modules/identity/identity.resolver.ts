import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { login, logout, me } from './identity.service.js';
import { Me, Session } from './identity.type.js';

@Resolver()
export class IdentityResolver {
  @Mutation(() => Session, { description: 'Signs in. Wrong email and wrong password give the same UNAUTHENTICATED error.' })
  login(
    @Ctx() ctx: Context,
    @Arg('email', () => String) email: string,
    @Arg('password', () => String) password: string,
  ): Promise<Session> {
    return login(ctx, email, password);
  }

  @Mutation(() => Boolean, { description: 'Revokes the session token this request carries.' })
  logout(@Ctx() ctx: Context): Promise<boolean> {
    return logout(ctx);
  }

  @Query(() => Me, { description: 'The signed-in user and their memberships.' })
  me(@Ctx() ctx: Context): Promise<Me> {
    return me(ctx);
  }
}
