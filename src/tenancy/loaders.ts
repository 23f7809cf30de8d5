import DataLoader from 'dataloader';
import { sql } from 'drizzle-orm';
import { rows, statement } from '../db/rows.js';
import { users } from '../db/schema/index.js';
import type { RequestTransaction } from './tenant-transaction.js';

const USERS_BY_ID = statement(
  sql`select ${users.id} as "id", ${users.email} as "email", ${users.displayName} as "displayName" from ${users} where ${users.id} = any(${sql.placeholder('ids')}::uuid[])`,
);

export type UserSummary = { id: string; email: string; displayName: string | null };

/**
 * Per-request DataLoaders: they read through the request's tenant transaction, so RLS bounds
 * what they can return, and they die with the request (a shared loader would leak across tenants).
 */
export function createLoaders(db: RequestTransaction) {
  return {
    userById: new DataLoader<string, UserSummary | null>(async (ids) => {
      const tx = await db.get();
      const found = await rows<UserSummary>(tx, USERS_BY_ID, { ids });
      const byId = new Map(found.map((u) => [u.id, u]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
