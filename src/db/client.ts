import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema/index.js';
import { statementCounter } from './statement-counter.js';

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export type DatabaseHandle = {
  kind: 'postgres' | 'pglite';
  db: Database;
  /** Applies pending migrations; applied ones are skipped, so it is safe to repeat. */
  migrate(): Promise<void>;
  close(): Promise<void>;
};

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));
const logger = { logQuery: () => statementCounter.add() };

export type DatabaseOptions = { url?: string; dataDir: string; poolSize: number; prepare: boolean };

type Sql = postgres.Sql;

/**
 * Drizzle asks postgres.js to prepare only queries it was given a name for, so DB_PREPARE alone
 * would change nothing: this wrapper passes the setting to every statement, in transactions too.
 */
function withPrepare<T extends object>(client: T, prepare: boolean): T {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (prop === 'unsafe') {
        return (query: string, params?: unknown[], options?: object) =>
          (value as Sql['unsafe']).call(target, query, params as never, { ...options, prepare });
      }
      if (prop === 'begin' || prop === 'savepoint') {
        return (...args: unknown[]) => {
          const fn = args.pop() as (tx: object) => unknown;
          return (value as (...a: unknown[]) => unknown).call(target, ...args, (tx: object) => fn(withPrepare(tx, prepare)));
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

/** PostgreSQL through the `postgres` driver when a URL is given; PGlite in DATA_DIR otherwise. */
export async function openDatabase(opts: DatabaseOptions): Promise<DatabaseHandle> {
  if (opts.url) {
    const client = postgres(opts.url, {
      max: opts.poolSize,
      prepare: opts.prepare,
      onnotice: () => {},
      connection: { application_name: 'anthias-gateway' },
    });
    const db = drizzlePostgres(withPrepare(client, opts.prepare), { schema, logger });
    return {
      kind: 'postgres',
      db,
      migrate: () => migratePostgres(db, { migrationsFolder }),
      close: () => client.end({ timeout: 5 }),
    };
  }
  // DATA_DIR=memory:// keeps the embedded database in memory (tests, throw-away runs).
  const dir = opts.dataDir === 'memory://' ? opts.dataDir : join(opts.dataDir, 'pgdata');
  if (dir !== 'memory://') mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir);
  const db = drizzlePglite(client, { schema, logger });
  return {
    kind: 'pglite',
    db,
    migrate: () => migratePglite(db, { migrationsFolder }),
    close: () => client.close(),
  };
}
