import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { inject } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client.js';
import { type CliResult, runCli } from './cli.js';
import { RUNTIME_LOGIN, withDatabase } from './global-setup.js';
import { uniq } from './harness.js';

/**
 * A database of the test file's own for the real CLI (these tests change RLS, add tables, delete
 * tenants): a fresh PostgreSQL database, or PGlite in a temporary DATA_DIR, migrated unless asked not to be.
 */
export type CliDatabase = {
  env: Record<string, string>;
  cli(args: string[], extraEnv?: Record<string, string>, timeoutMs?: number, input?: string): Promise<CliResult>;
  /** The owner's connection for seeding and checks. PGlite allows one process at a time: it is open only inside fn. */
  owner<T>(fn: (db: Database) => Promise<T>): Promise<T>;
  close(): Promise<void>;
};

export async function cliDatabase(opts: { migrated?: boolean } = {}): Promise<CliDatabase> {
  const target = inject('testDatabase');
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  if (target.engine === 'postgres') {
    const name = `anthias_cli_${uniq('')}`;
    const admin = postgres(target.adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.unsafe(`grant connect on database ${name} to ${RUNTIME_LOGIN}`);
    const runtime = new URL(withDatabase(target.adminUrl, name));
    runtime.username = RUNTIME_LOGIN;
    runtime.password = RUNTIME_LOGIN;
    env = { MIGRATION_DATABASE_URL: withDatabase(target.adminUrl, name), DATABASE_URL: runtime.toString() };
    drop = async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    };
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'anthias-cli-'));
    env = { DATA_DIR: dir };
    drop = async () => rmSync(dir, { recursive: true, force: true });
  }
  const owner = async <T>(fn: (db: Database) => Promise<T>): Promise<T> => {
    const handle = await openDatabase({ url: env.MIGRATION_DATABASE_URL, dataDir: env.DATA_DIR ?? '', poolSize: 1, prepare: true });
    try {
      return await fn(handle.db);
    } finally {
      await handle.close();
    }
  };
  if (opts.migrated !== false) {
    const handle = await openDatabase({ url: env.MIGRATION_DATABASE_URL, dataDir: env.DATA_DIR ?? '', poolSize: 1, prepare: true });
    await handle.migrate();
    await handle.close();
  }
  return {
    env,
    cli: (args, extraEnv = {}, timeoutMs = 180_000, input = '') => runCli(args, { LOG_LEVEL: 'warn', ...env, ...extraEnv }, timeoutMs, input),
    owner,
    close: drop,
  };
}
