import { sql } from 'drizzle-orm';
import { boolean, check, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from '../columns.js';

export const TENANT_STATUSES = ['active', 'suspended'] as const;
export const PLANS = ['basic', 'professional', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

export type TenantTheme = { primaryColor?: string; logoUrl?: string; accentColor?: string };
export type TenantSettings = { theme?: TenantTheme; timezone?: string };

export const tenants = pgTable(
  'tenants',
  {
    id: id(),
    name: text('name').notNull(),
    subdomain: text('subdomain').notNull(),
    status: text('status', { enum: TENANT_STATUSES }).notNull().default('active'),
    suspendedReason: text('suspended_reason'),
    plan: text('plan', { enum: PLANS }).notNull().default('basic'),
    // Per-tenant overrides of the plan's limits; null means "the plan's default".
    maxAssets: integer('max_assets'),
    maxUsers: integer('max_users'),
    maxDevices: integer('max_devices'),
    requestsPerMinute: integer('requests_per_minute'),
    settings: jsonb('settings').$type<TenantSettings>().notNull().default({}),
    contactEmail: text('contact_email'),
    /** Members must use a second factor (set by an owner). */
    requireSecondFactor: boolean('require_second_factor').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    suspendedAt: timestamp('suspended_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('tenants_subdomain_key').on(t.subdomain),
    check('tenants_status_check', sql`${t.status} in ('active', 'suspended')`),
    check('tenants_plan_check', sql`${t.plan} in ('basic', 'professional', 'enterprise')`),
  ],
);

export type Tenant = typeof tenants.$inferSelect;

/** Every tenant table carries tenant_id (RLS keys on it; Citus would distribute on it). */
export const tenantId = () =>
  uuid('tenant_id')
    .notNull()
    .references(() => tenants.id, { onDelete: 'cascade' });
