import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { type Database, migrationsFolder, type Tx } from './client.js';
import { rows } from './rows.js';

/** The latest migration applied to a database: drizzle records each journal entry's `when`. */
export type MigrationLevel = { tag: string; when: number };

type Journal = { entries: { tag: string; when: number }[] };

export async function migrationLevel(db: Database | Tx): Promise<MigrationLevel> {
  const [row] = await rows<{ when: string | number | null }>(db, sql`select max(created_at) as when from drizzle.__drizzle_migrations`);
  const when = Number(row?.when ?? NaN);
  if (!Number.isFinite(when)) throw new Error('the database has no migrations applied: run `anthias migrate`');
  const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as Journal;
  return { tag: journal.entries.find((e) => e.when === when)?.tag ?? 'unknown to this build', when };
}
