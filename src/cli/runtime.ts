import { sql } from 'drizzle-orm';
import { InvalidationBus } from '../cache/invalidation-bus.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { openDatabase, type DatabaseHandle } from '../db/client.js';
import { DatabaseProblem, databaseProblem } from '../db/problems.js';
import { AppError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { TenantCaches } from '../operations/tenant-caches.js';
import { TenantDirectory } from '../tenancy/tenant-directory.js';

/** What commands share: configuration, and the owner's database connection opened on first use. */
export class CliRuntime {
  readonly config: Config;
  readonly log: Logger;
  private database?: Promise<DatabaseHandle>;

  constructor() {
    this.config = loadConfig();
    this.log = createLogger(process.env.LOG_LEVEL ?? 'warn', false, 2);
  }

  /** Operators act as the migration owner (MIGRATION_DATABASE_URL, else DATABASE_URL, else PGlite). */
  async admin(): Promise<DatabaseHandle> {
    this.database ??= openDatabase({ ...this.config.db, url: this.config.db.migrationUrl, directUrl: undefined });
    const handle = await this.database;
    await handle.db.execute(sql`select 1`).catch((err: unknown) => {
      const root = ((err as { cause?: unknown })?.cause ?? err) as { code?: string; message?: string };
      throw new DatabaseProblem(databaseProblem(err, true) ?? `cannot reach the database (${root?.code ?? root?.message ?? String(root)})`, { cause: err });
    });
    return handle;
  }

  async directory(): Promise<TenantDirectory> {
    // Announcing only: running gateways hear the CLI's changes through PostgreSQL when they commit.
    const { db } = await this.admin();
    return new TenantDirectory(db, new InvalidationBus(db, this.log), this.config.tenantCacheTtlSeconds);
  }

  /** What restores, clones and deletions announce to every gateway (src/operations/tenant-caches.ts). */
  async tenantCaches(): Promise<TenantCaches> {
    const { db } = await this.admin();
    const bus = new InvalidationBus(db, this.log);
    return new TenantCaches(new TenantDirectory(db, bus, this.config.tenantCacheTtlSeconds), bus);
  }

  /** The login role requests use, which `rls validate` checks as well. */
  runtimeLogin(): string | null {
    if (!this.config.db.url) return null;
    return decodeURIComponent(new URL(this.config.db.url).username) || process.env.USER || null;
  }

  async close(): Promise<void> {
    if (this.database) await (await this.database.catch(() => null))?.close();
  }
}

// Refusals of what the operator gave: the command wrote nothing, and changing the input (or the plan) is the fix.
const REFUSALS = new Set(['BAD_USER_INPUT', 'QUOTA_EXCEEDED']);

/**
 * Bad input, input past a quota, bad configuration and a database to fix first (unreachable, not
 * there, refusing the login, not migrated, embedded and held by another process): one line, exit 2,
 * nothing written.
 */
export function exitCodeFor(err: unknown): { code: number; message: string } {
  if (err instanceof AppError && REFUSALS.has(String(err.extensions.code))) return { code: 2, message: err.message };
  if (err instanceof ConfigError || err instanceof DatabaseProblem) return { code: 2, message: err.message };
  const problem = databaseProblem(err);
  if (problem) return { code: 2, message: problem };
  return { code: 1, message: err instanceof Error ? err.message : String(err) };
}
