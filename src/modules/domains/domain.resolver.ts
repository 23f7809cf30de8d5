import { Arg, ID, Mutation, Query, Resolver } from 'type-graphql';
import { TenantCtx } from '../../graphql/tenant-ctx.js';
import type { TenantContext } from '../../tenancy/context.js';
import { requireId } from '../../graphql/ids.js';
import { addDomain, listDomains, removeDomain, verifyDomain } from './domain.service.js';
import { Domain } from './domain.type.js';

@Resolver(() => Domain)
export class DomainResolver {
  @Query(() => [Domain], { description: "The organisation's custom domains. Needs tenant.manage." })
  domains(@TenantCtx() ctx: TenantContext): Promise<Domain[]> {
    return listDomains(ctx);
  }

  @Mutation(() => Domain, { description: 'Claims a hostname and returns the TXT record that verifies it. Needs tenant.manage.' })
  addDomain(@TenantCtx() ctx: TenantContext, @Arg('hostname', () => String) hostname: string): Promise<Domain> {
    return addDomain(ctx, hostname);
  }

  @Mutation(() => Domain, { description: 'Checks the TXT record; a verified domain resolves requests at once. Needs tenant.manage.' })
  verifyDomain(@TenantCtx() ctx: TenantContext, @Arg('id', () => ID) id: string): Promise<Domain> {
    return verifyDomain(ctx, requireId('id', id));
  }

  @Mutation(() => ID, { description: 'Stops the domain resolving at once. Needs tenant.manage.' })
  removeDomain(@TenantCtx() ctx: TenantContext, @Arg('id', () => ID) id: string): Promise<string> {
    return removeDomain(ctx, requireId('id', id));
  }
}
