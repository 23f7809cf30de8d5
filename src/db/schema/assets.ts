import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, smallint, text, time, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from '../columns.js';
import { tenantId } from './tenants.js';
import { users } from './users.js';

/** Content a screen plays; fields follow Anthias. */
export const assets = pgTable(
  'assets',
  {
    id: id(),
    tenantId: tenantId(),
    name: text('name').notNull(),
    uri: text('uri').notNull(),
    md5: text('md5'),
    mimetype: text('mimetype').notNull(),
    duration: integer('duration').notNull().default(10),
    startDate: timestamp('start_date', { withTimezone: true }),
    endDate: timestamp('end_date', { withTimezone: true }),
    isEnabled: boolean('is_enabled').notNull().default(false),
    isProcessing: boolean('is_processing').notNull().default(false),
    nocache: boolean('nocache').notNull().default(false),
    playOrder: integer('play_order').notNull().default(0),
    skipAssetCheck: boolean('skip_asset_check').notNull().default(false),
    playDays: smallint('play_days').array().notNull().default(sql`'{1,2,3,4,5,6,7}'::smallint[]`),
    playTimeFrom: time('play_time_from'),
    playTimeTo: time('play_time_to'),
    // Device labels this asset is restricted to; empty plays everywhere.
    labels: text('labels').array().notNull().default(sql`'{}'::text[]`),
    // Where an imported asset came from (`anthias:<asset_id>`): a repeated import updates it.
    sourceRef: text('source_ref'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    updatedBy: uuid('updated_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('assets_tenant_enabled_idx').on(t.tenantId, t.isEnabled).where(sql`${t.isEnabled}`),
    index('assets_tenant_created_at_idx').on(t.tenantId, t.createdAt.desc(), t.id.desc()),
    // The console's default list: enabled assets, newest first.
    index('assets_tenant_enabled_created_at_idx')
      .on(t.tenantId, t.createdAt.desc(), t.id.desc())
      .where(sql`${t.isEnabled}`),
    index('assets_tenant_play_order_idx').on(t.tenantId, t.playOrder),
    index('assets_created_by_idx').on(t.createdBy),
    index('assets_updated_by_idx').on(t.updatedBy),
    uniqueIndex('assets_tenant_source_ref_idx').on(t.tenantId, t.sourceRef),
    check('assets_duration_check', sql`${t.duration} >= 0`),
    check('assets_dates_check', sql`${t.startDate} is null or ${t.endDate} is null or ${t.startDate} < ${t.endDate}`),
    check('assets_play_days_check', sql`${t.playDays} <@ '{1,2,3,4,5,6,7}'::smallint[]`),
  ],
);

export type Asset = typeof assets.$inferSelect;
