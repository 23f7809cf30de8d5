import { sql } from 'drizzle-orm';
import { boolean, check, index, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from '../columns.js';
import { tenantId } from './tenants.js';
import { users } from './users.js';

export const ROLES = ['owner', 'admin', 'editor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Membership: a user's role in one tenant, plus extra permissions. */
export const tenantUsers = pgTable(
  'tenant_users',
  {
    id: id(),
    tenantId: tenantId(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ROLES }).notNull(),
    permissions: text('permissions').array().notNull().default(sql`'{}'::text[]`),
    isActive: boolean('is_active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('tenant_users_tenant_id_user_id_key').on(t.tenantId, t.userId),
    index('tenant_users_user_id_idx').on(t.userId),
    index('tenant_users_active_idx').on(t.tenantId, t.isActive).where(sql`${t.isActive}`),
    check('tenant_users_role_check', sql`${t.role} in ('owner', 'admin', 'editor', 'viewer')`),
  ],
);

export type Membership = typeof tenantUsers.$inferSelect;
