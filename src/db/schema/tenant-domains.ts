import { index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, id } from '../columns.js';
import { tenantId } from './tenants.js';

/** Custom domains. A hostname belongs to one tenant platform-wide (a reference table under Citus). */
export const tenantDomains = pgTable(
  'tenant_domains',
  {
    id: id(),
    tenantId: tenantId(),
    hostname: text('hostname').notNull(),
    verificationToken: text('verification_token').notNull(),
    verifiedAt: timestamp('verified_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('tenant_domains_hostname_key').on(t.hostname), index('tenant_domains_tenant_id_idx').on(t.tenantId)],
);
