import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id } from '../columns.js';
import { tenantId } from './tenants.js';
import { users } from './users.js';

/** A pending seat: the token is single-use, stored as a hash, and expires. */
export const invitations = pgTable(
  'invitations',
  {
    id: id(),
    tenantId: tenantId(),
    email: text('email').notNull(),
    role: text('role', { enum: ['owner', 'admin', 'editor', 'viewer'] }).notNull(),
    tokenHash: text('token_hash').notNull(),
    invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('invitations_token_hash_key').on(t.tokenHash),
    uniqueIndex('invitations_pending_email_key')
      .on(t.tenantId, sql`lower(${t.email})`)
      .where(sql`${t.acceptedAt} is null and ${t.revokedAt} is null`),
    index('invitations_tenant_created_at_idx').on(t.tenantId, t.createdAt.desc()),
    index('invitations_invited_by_idx').on(t.invitedBy),
    check('invitations_role_check', sql`${t.role} in ('owner', 'admin', 'editor', 'viewer')`),
  ],
);
