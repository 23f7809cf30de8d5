import { sql } from 'drizzle-orm';
import type { KeyValueStore } from '../cache/kv-store.js';
import { createStore } from '../cache/index.js';
import { InvalidationBus } from '../cache/invalidation-bus.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { openDatabase, type DatabaseHandle } from '../db/client.js';
import { AppError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { TenantDirectory } from '../tenancy/tenant-directory.js';

/** What commands share: configuration, and the owner's database connection opened on first use. */
export class CliRuntime {
  readonly config: Config;
  readonly log: Logger;
  private database?: Promise<DatabaseHandle>;
  private kv?: KeyValueStore;

  constructor() {
    this.config = loadConfig();
    this.log = createLogger(process.env.LOG_LEVEL ?? 'warn', false, 2);
  }

  /** Operators act as the migration owner (MIGRATION_DATABASE_URL, else DATABASE_URL, else PGlite). */
  async admin(): Promise<DatabaseHandle> {
    this.database ??= openDatabase({ ...this.config.db, url: this.config.db.migrationUrl });
    const handle = await this.database;
    await handle.db.execute(sql`select 1`).catch((err: unknown) => {
      throw new UnreachableDatabase(err);
    });
    return handle;
  }

  store(): KeyValueStore {
    this.kv ??= createStore(this.config.redis, this.log);
    return this.kv;
  }

  async directory(): Promise<TenantDirectory> {
    // Publishing only: the running gateways drop their copies when the CLI changes a tenant.
    const bus = new InvalidationBus(this.store(), this.log);
    return new TenantDirectory((await this.admin()).db, this.store(), bus, this.config.tenantCacheTtlSeconds);
  }

  /** The login role requests use, which `rls validate` checks as well. */
  runtimeLogin(): string | null {
    if (!this.config.db.url) return null;
    return decodeURIComponent(new URL(this.config.db.url).username) || process.env.USER || null;
  }

  async close(): Promise<void> {
    await this.kv?.close();
    if (this.database) await (await this.database.catch(() => null))?.close();
  }
}

export class UnreachableDatabase extends Error {
  constructor(err: unknown) {
    // Drizzle wraps the driver's error ("Failed query: …"); the driver's code is on the cause.
    const root = ((err as { cause?: unknown })?.cause ?? err) as { code?: string; message?: string };
    super(`cannot reach the database (${root?.code ?? root?.message ?? String(root)})`);
  }
}

/** Bad input, bad configuration and an unreachable database: one line, exit 2, nothing written. */
export function exitCodeFor(err: unknown): { code: number; message: string } {
  if (err instanceof AppError && err.extensions.code === 'BAD_USER_INPUT') return { code: 2, message: err.message };
  if (err instanceof ConfigError || err instanceof UnreachableDatabase) return { code: 2, message: err.message };
  return { code: 1, message: err instanceof Error ? err.message : String(err) };
}
