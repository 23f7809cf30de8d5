import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { PgDatabase, type PgQueryResultHKT, type PgSession, type PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite, PgliteSession } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres, PostgresJsSession } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import type { Logger } from '../logger.js';
import { lockDataDir } from './data-dir-lock.js';
import { listenForever } from './listener.js';
import { dialect } from './rows.js';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

/** A request's count of the SQL statements it issued (Server-Timing, its log line, its trace). */
export type StatementMeter = { statements: number };

export type DatabaseHandle = {
  kind: 'postgres' | 'pglite';
  /** The pool, for work of no request's (workers, operator commands): its statements are counted nowhere. */
  db: Database;
  /**
   * The same pool seen by one request: every statement through it, and through its transactions,
   * adds to `meter`. Handing it down replaces a per-request AsyncLocalStorage, whose promise hooks
   * cost every request several percent of its CPU on Node 20.
   */
  metered(meter: StatementMeter): Database;
  /** Applies pending migrations and says how many; applied ones are skipped, so it is safe to repeat. */
  migrate(): Promise<number>;
  /**
   * Notifications on a channel (LISTEN, over a direct connection: not through PgBouncer in
   * transaction mode); `onConnect` runs on every (re)connection, since anything sent meanwhile is lost.
   */
  listen(channel: string, handlers: Listener, log: Logger): { ready: Promise<void>; stop(): Promise<void> };
  close(): Promise<void>;
};

export type Listener = { onMessage: (payload: string) => void; onConnect: () => void };

// Resolves from src/db/ and from the build's dist/db/ alike: both sit two levels below the root.
export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));
/** pg_advisory_lock key held while migrating, so instances that start together apply each migration once. */
export const MIGRATION_LOCK_KEY = 4_127_310_511;

const meters = new WeakMap<Database, StatementMeter>();
/** The meter of a request's view of the pool, if `db` is one (BEGIN and COMMIT, which the driver issues unlogged, are added by whoever opens the transaction). */
export const meterOf = (db: Database): StatementMeter | undefined => meters.get(db);

/** A view of the pool through a session of its own whose logger counts into `meter`. */
function meteredView(meter: StatementMeter, session: (logger: { logQuery(): void }) => PgSession): Database {
  // No relational schema: nothing here uses drizzle's `db.query`, and building it per request would cost.
  const db = new PgDatabase(dialect, session({ logQuery: () => meter.statements++ }), undefined) as unknown as Database;
  meters.set(db, meter);
  return db;
}

export type DatabaseOptions = {
  url?: string;
  /** The direct connection LISTEN needs when `url` goes through PgBouncer in transaction mode. */
  directUrl?: string;
  dataDir: string;
  poolSize: number;
  prepare: boolean;
};

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

/**
 * How the pool meets an outage: a connection attempt to a server that does not answer fails in
 * seconds, not the driver's 30; an idle connection is dropped after a minute instead of being kept
 * across failovers; and after failed attempts it retries within a second, where the driver's
 * backoff (shared by the pool, up to 20 s) kept requests queued long after the server was back.
 * Connections that failed are never reused: the driver opens a new socket for them.
 */
const outagePolicy = {
  connect_timeout: 5,
  idle_timeout: 60,
  backoff: (retries: number) => (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, 1),
};

/** How many migrations drizzle recorded as applied (none before the first migration). */
async function appliedMigrations(query: (text: string) => Promise<Record<string, unknown>[]>): Promise<number> {
  const [table] = await query(`select to_regclass('drizzle.__drizzle_migrations')::text as name`);
  if (!table?.name) return 0;
  return Number((await query('select count(*)::int as n from drizzle.__drizzle_migrations'))[0]?.n ?? 0);
}

/**
 * Migrates while holding a session-level advisory lock on a connection of its own (the pool may
 * have a single connection, which the migrator needs): a second process waits, then finds
 * nothing to apply. What was applied is counted under the lock, so each process reports its own.
 */
async function migrateLocked(url: string, db: Parameters<typeof migratePostgres>[0]): Promise<number> {
  const lock = postgres(url, { max: 1, onnotice: () => {}, connection: { application_name: 'anthias-migrate-lock' } });
  const count = () => appliedMigrations((text) => lock.unsafe(text));
  try {
    await lock`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    const before = await count();
    await migratePostgres(db, { migrationsFolder });
    return (await count()) - before;
  } finally {
    // Ending the session releases the lock, whatever happened.
    await lock.end({ timeout: 5 });
  }
}

/** PostgreSQL through the `postgres` driver when a URL is given; PGlite in DATA_DIR otherwise. */
export async function openDatabase(opts: DatabaseOptions): Promise<DatabaseHandle> {
  const { url } = opts;
  if (url) {
    const client = postgres(url, {
      max: opts.poolSize,
      prepare: opts.prepare,
      onnotice: () => {},
      connection: { application_name: 'anthias-gateway' },
      ...outagePolicy,
    });
    const prepared = withPrepare(client, opts.prepare);
    const db = drizzlePostgres(prepared, { schema });
    return {
      kind: 'postgres',
      db,
      metered: (meter) => meteredView(meter, (logger) => new PostgresJsSession(prepared, dialect, undefined, { logger })),
      migrate: () => migrateLocked(url, db),
      listen: (channel, handlers, log) => listenForever(opts.directUrl ?? url, channel, handlers, log),
      close: () => client.end({ timeout: 5 }),
    };
  }
  // DATA_DIR=memory:// keeps the embedded database in memory (tests, throw-away runs).
  const dir = opts.dataDir === 'memory://' ? opts.dataDir : join(opts.dataDir, 'pgdata');
  let release = () => {};
  if (dir !== 'memory://') {
    mkdirSync(dir, { recursive: true });
    release = lockDataDir(opts.dataDir);
  }
  const client = await PGlite.create(dir).catch((err: unknown) => {
    release();
    throw err;
  });
  const db = drizzlePglite(client, { schema });
  return {
    kind: 'pglite',
    db,
    metered: (meter) => meteredView(meter, (logger) => new PgliteSession(client, dialect, undefined, { logger })),
    async migrate() {
      // One process holds the embedded database (its lock file): nobody migrates beside us.
      const count = () => appliedMigrations(async (text) => (await client.query<Record<string, unknown>>(text)).rows);
      const before = await count();
      await migratePglite(db, { migrationsFolder });
      return (await count()) - before;
    },
    listen(channel, handlers) {
      // One process holds the embedded database: nothing to reconnect.
      const unlisten = client.listen(channel, handlers.onMessage);
      return { ready: unlisten.then(handlers.onConnect), stop: async () => (await unlisten)() };
    },
    close: async () => {
      await client.close();
      release();
    },
  };
}
