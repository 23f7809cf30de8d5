import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { createLoginRole } from '../../src/operations/login-role/login-role.service.js';

export type TestDatabase =
  | { engine: 'pglite' }
  | { engine: 'postgres'; adminUrl: string; migrationUrl: string; runtimeUrl: string; redisUrl?: string };

declare module 'vitest' {
  export interface ProvidedContext {
    testDatabase: TestDatabase;
  }
}

/** A login role like production's: member of anthias_app, owner of nothing. */
export const RUNTIME_LOGIN = 'anthias_gateway_test';

export const withDatabase = (url: string, name: string): string => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

/**
 * With TEST_DATABASE_URL (a role that may create databases and roles), each run gets a fresh
 * database, migrated once, dropped at the end. Without it, each test file uses PGlite in memory.
 */
export default async function setup(project: TestProject) {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    project.provide('testDatabase', { engine: 'pglite' });
    return;
  }
  const name = `anthias_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const migrationUrl = withDatabase(adminUrl, name);
  const handle = await openDatabase({ url: migrationUrl, dataDir: '', poolSize: 1, prepare: true });
  try {
    await handle.migrate();
    await loginRoleRacingOtherRuns(handle);
  } finally {
    await handle.close();
  }
  const runtime = new URL(migrationUrl);
  runtime.username = RUNTIME_LOGIN;
  runtime.password = RUNTIME_LOGIN;
  project.provide('testDatabase', {
    engine: 'postgres',
    adminUrl,
    migrationUrl,
    runtimeUrl: runtime.toString(),
    redisUrl: process.env.TEST_REDIS_URL,
  });
  return async () => {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  };
}

/**
 * The login role through the CLI's own code (`anthias create-login-role`). Roles are cluster-wide,
 * so test runs started together may create or grant it at the same moment: PostgreSQL then
 * refuses one of them ("already exists", "tuple concurrently updated"), and it tries again.
 */
async function loginRoleRacingOtherRuns(handle: DatabaseHandle): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await createLoginRole(handle, RUNTIME_LOGIN, RUNTIME_LOGIN);
      return;
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (attempt >= 5 || !(code === '42710' || code === '23505' || code === 'XX000')) throw err;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}
