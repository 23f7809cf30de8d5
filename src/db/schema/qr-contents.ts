import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from '../columns.js';
import { tenantId } from './tenants.js';
import { assets } from './assets.js';
import { users } from './users.js';

/** QR codes whose short code is unique platform-wide, so /q/<code> needs no tenant. */
export const qrContents = pgTable(
  'qr_contents',
  {
    id: id(),
    tenantId: tenantId(),
    name: text('name').notNull(),
    targetUrl: text('target_url').notNull(),
    assetId: uuid('asset_id').references(() => assets.id, { onDelete: 'set null' }),
    code: text('code').notNull(),
    scanCount: integer('scan_count').notNull().default(0),
    lastScannedAt: timestamp('last_scanned_at', { withTimezone: true }),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('qr_contents_code_key').on(t.code),
    index('qr_contents_tenant_created_at_idx').on(t.tenantId, t.createdAt.desc()),
    index('qr_contents_asset_id_idx').on(t.assetId),
    index('qr_contents_created_by_idx').on(t.createdBy),
  ],
);
