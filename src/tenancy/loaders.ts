import DataLoader from 'dataloader';
import { inArray } from 'drizzle-orm';
import { users } from '../db/schema/index.js';
import type { RequestTransaction } from './tenant-transaction.js';

export type UserSummary = { id: string; email: string; displayName: string | null };

/**
 * Per-request DataLoaders: they read through the request's tenant transaction, so RLS bounds
 * what they can return, and they die with the request (a shared loader would leak across tenants).
 */
export function createLoaders(db: RequestTransaction) {
  return {
    userById: new DataLoader<string, UserSummary | null>(async (ids) => {
      const tx = await db.get();
      const found = await tx
        .select({ id: users.id, email: users.email, displayName: users.displayName })
        .from(users)
        .where(inArray(users.id, [...ids]));
      const byId = new Map(found.map((u) => [u.id, u]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
