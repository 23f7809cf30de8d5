import { sql } from 'drizzle-orm';
import { index, inet, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from '../columns.js';
import { tenantId } from './tenants.js';
import { users } from './users.js';

/** Screens. The device key is stored as a public prefix plus a hash of the secret. */
export const devices = pgTable(
  'devices',
  {
    id: id(),
    tenantId: tenantId(),
    name: text('name').notNull(),
    location: text('location'),
    timezone: text('timezone'),
    labels: text('labels').array().notNull().default(sql`'{}'::text[]`),
    keyPrefix: text('key_prefix'),
    keyHash: text('key_hash'),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
    playerVersion: text('player_version'),
    lastAddress: inet('last_address'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('devices_key_prefix_key').on(t.keyPrefix),
    index('devices_tenant_created_at_idx').on(t.tenantId, t.createdAt.desc()),
    index('devices_created_by_idx').on(t.createdBy),
  ],
);
