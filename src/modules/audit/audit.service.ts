import { and, count, eq, gte, lt, type SQL } from 'drizzle-orm';
import type { Principal } from '../../auth/principal.js';
import { builder, placeholders, rows, statement } from '../../db/rows.js';
import { type ActorType, auditLogs } from '../../db/schema/index.js';
import type { TenantContext } from '../../tenancy/context.js';
import { keysetPage, type Ordering, type Page } from '../../graphql/pagination.js';
import type { Changes } from './diff.js';

export type AuditEntry = { action: string; targetType: string; targetId: string | null; changes?: Changes };

function actor(p: Principal | null): { actorType: ActorType; actorId: string | null } {
  if (!p) return { actorType: 'system', actorId: null };
  if (p.kind === 'user') return { actorType: 'user', actorId: p.userId };
  if (p.kind === 'api_key') return { actorType: 'api_key', actorId: p.keyId };
  return { actorType: 'device', actorId: p.deviceId };
}

/**
 * Appends the audit row in the request's transaction: it commits with the change it records,
 * and a failed mutation rolls both back.
 */
export async function recordAudit(ctx: TenantContext, entry: AuditEntry): Promise<void> {
  const values: Record<AuditColumn, unknown> = {
    tenantId: ctx.tenant.id,
    ...actor(ctx.principal),
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    changes: entry.changes ?? null,
    requestId: ctx.requestId,
    ipAddress: ctx.client.ip,
    userAgent: ctx.client.userAgent,
  };
  await rows(await ctx.db.get(), INSERT_AUDIT, values);
}

const AUDIT_COLUMNS = ['tenantId', 'actorType', 'actorId', 'action', 'targetType', 'targetId', 'changes', 'requestId', 'ipAddress', 'userAgent'] as const;
type AuditColumn = (typeof AUDIT_COLUMNS)[number];
const INSERT_AUDIT = statement(builder.insert(auditLogs).values(placeholders(AUDIT_COLUMNS)));

export type AuditFilter = { action?: string | null; actorId?: string | null; targetId?: string | null; since?: Date | null; until?: Date | null };
export type AuditRow = typeof auditLogs.$inferSelect;

const NEWEST_FIRST: Ordering = { name: 'audit.createdAt.desc', column: auditLogs.createdAt, cast: 'timestamptz', direction: 'desc' };

export async function listAuditLogs(ctx: TenantContext, filter: AuditFilter, first?: number | null, after?: string | null): Promise<Page<AuditRow>> {
  const conditions: (SQL | undefined)[] = [
    filter.action ? eq(auditLogs.action, filter.action) : undefined,
    filter.actorId ? eq(auditLogs.actorId, filter.actorId) : undefined,
    filter.targetId ? eq(auditLogs.targetId, filter.targetId) : undefined,
    filter.since ? gte(auditLogs.createdAt, filter.since) : undefined,
    filter.until ? lt(auditLogs.createdAt, filter.until) : undefined,
  ];
  const where = and(...conditions);
  const tx = await ctx.db.get();
  return keysetPage(
    NEWEST_FIRST,
    auditLogs.id,
    { first, after },
    (w) => tx.select({ row: auditLogs, id: auditLogs.id, sortKey: w.sortKey }).from(auditLogs).where(and(where, w.where)).orderBy(...w.orderBy).limit(w.limit).execute(w.values),
    async () => (await tx.select({ n: count() }).from(auditLogs).where(where))[0]?.n ?? 0,
    (r) => r.row,
  );
}
