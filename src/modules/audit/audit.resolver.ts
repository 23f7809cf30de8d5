import { Arg, Int, Query, Resolver } from 'type-graphql';
import { TenantCtx } from '../../graphql/tenant-ctx.js';
import type { TenantContext } from '../../tenancy/context.js';
import { optionalId } from '../../graphql/ids.js';
import { listAuditLogs } from './audit.service.js';
import { AuditLogConnection, AuditLogFilter } from './audit.type.js';

@Resolver()
export class AuditResolver {
  @Query(() => AuditLogConnection, { description: "The organisation's audit trail, newest first. Needs audit.view." })
  auditLogs(
    @TenantCtx() ctx: TenantContext,
    @Arg('filter', () => AuditLogFilter, { nullable: true }) filter?: AuditLogFilter,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 1 to 100 (default 20).' }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return listAuditLogs(
      ctx,
      {
        action: filter?.action,
        actorId: optionalId('filter.actor', filter?.actor),
        targetId: optionalId('filter.target', filter?.target),
        since: filter?.since,
        until: filter?.until,
      },
      first,
      after,
    );
  }
}
