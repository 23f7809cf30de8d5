import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver } from 'type-graphql';
import { TenantCtx } from '../../graphql/tenant-ctx.js';
import type { RequestContext, TenantContext } from '../../tenancy/context.js';
import { Session } from '../identity/identity.type.js';
import { usage, type Usage } from './quota.js';
import { TenantSettingsInput } from './settings.input.js';
import { updateTenantSettings } from './settings.service.js';
import { signUp } from './signup.service.js';
import { currentTenant } from './tenant.service.js';
import { Tenant, TenantUsage } from './tenant.type.js';

@Resolver(() => Tenant)
export class TenantResolver {
  @Query(() => Tenant, {
    nullable: true,
    description: 'The organisation this request resolved to (host, X-Tenant-ID or credential); null when none.',
  })
  currentTenant(@Ctx() ctx: RequestContext): Promise<Tenant | null> {
    return currentTenant(ctx);
  }

  @Mutation(() => Tenant, { description: 'Name, contact email, default time zone and theme. Needs tenant.manage.' })
  updateTenantSettings(@TenantCtx() ctx: TenantContext, @Arg('input', () => TenantSettingsInput) input: TenantSettingsInput): Promise<Tenant> {
    return updateTenantSettings(ctx, input);
  }

  @Mutation(() => Session, { description: 'Creates an organisation on the basic plan with you as owner (when ALLOW_SIGNUP is on).' })
  signUp(
    @Ctx() ctx: RequestContext,
    @Arg('organisation', () => String) organisation: string,
    @Arg('subdomain', () => String) subdomain: string,
    @Arg('email', () => String) email: string,
    @Arg('password', () => String) password: string,
  ): Promise<Session> {
    return signUp(ctx, { organisation, subdomain, email, password });
  }

  @FieldResolver(() => TenantUsage, { description: 'Members only.' })
  async usage(@Ctx() ctx: RequestContext): Promise<Usage> {
    return usage(await ctx.db.get());
  }
}
