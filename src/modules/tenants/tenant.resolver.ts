import { Ctx, Query, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { currentTenant } from './tenant.service.js';
import { Tenant } from './tenant.type.js';

@Resolver(() => Tenant)
export class TenantResolver {
  @Query(() => Tenant, {
    nullable: true,
    description: 'The organisation this request resolved to (host, X-Tenant-ID or credential); null when none.',
  })
  currentTenant(@Ctx() ctx: Context): Promise<Tenant | null> {
    return currentTenant(ctx);
  }
}
