import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/client.js';

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
  await handle.migrate();
  await handle.close();
  await admin.unsafe(`
    do $$ begin
      if not exists (select 1 from pg_roles where rolname = '${RUNTIME_LOGIN}') then
        create role ${RUNTIME_LOGIN} login password '${RUNTIME_LOGIN}';
      end if;
    end $$;
    grant anthias_app to ${RUNTIME_LOGIN};
    grant connect on database ${name} to ${RUNTIME_LOGIN};`);
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
