import type { SQL } from 'drizzle-orm';
import type { Database, Tx } from './client.js';

/** Runs raw SQL and returns its rows, whichever driver is underneath. */
export async function rows<T>(db: Database | Tx, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
