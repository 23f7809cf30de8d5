import { index, inet, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id } from '../columns.js';
import { tenantId } from './tenants.js';

export const ACTOR_TYPES = ['user', 'api_key', 'device', 'system'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

/** Append-only for the runtime role: INSERT and SELECT, never UPDATE or DELETE. */
export const auditLogs = pgTable(
  'audit_logs',
  {
    id: id(),
    tenantId: tenantId(),
    actorType: text('actor_type', { enum: ACTOR_TYPES }).notNull(),
    actorId: uuid('actor_id'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: uuid('target_id'),
    changes: jsonb('changes').$type<Record<string, { before?: unknown; after?: unknown }>>(),
    requestId: text('request_id'),
    ipAddress: inet('ip_address'),
    userAgent: text('user_agent'),
    createdAt: createdAt(),
  },
  (t) => [
    index('audit_logs_tenant_created_at_idx').on(t.tenantId, t.createdAt.desc(), t.id.desc()),
    index('audit_logs_tenant_action_idx').on(t.tenantId, t.action),
    index('audit_logs_tenant_target_idx').on(t.tenantId, t.targetId),
  ],
);
