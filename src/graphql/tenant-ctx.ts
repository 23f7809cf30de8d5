import { createParameterDecorator } from 'type-graphql';
import { type RequestContext, requireTenant } from '../tenancy/context.js';

/**
 * `@TenantCtx() ctx: TenantContext`: the request's context, bound to its organisation. Resolvers
 * of tenant-scoped fields take it, so services read `ctx.tenant.id` without asserting.
 */
export const TenantCtx = () => createParameterDecorator<RequestContext>(({ context }) => requireTenant(context));
