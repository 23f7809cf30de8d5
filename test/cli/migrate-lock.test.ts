import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { MIGRATION_LOCK_KEY, openDatabase } from '../../src/db/client.js';
import { runCli } from '../support/cli.js';
import { schemaFingerprint } from '../support/fingerprint.js';
import { withDatabase } from '../support/global-setup.js';
import { uniq } from '../support/harness.js';

// PGlite is one process by construction; the race exists only on PostgreSQL.
const target = inject('testDatabase');
const pg = target.engine === 'postgres' ? target : undefined;

describe.runIf(pg)('anthias migrate on PostgreSQL', () => {
  const admin = postgres(pg?.adminUrl ?? '', { max: 1, onnotice: () => {} });
  const created: string[] = [];
  afterAll(async () => {
    for (const name of created) await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  const freshDatabase = async () => {
    const name = `anthias_lock_${uniq('')}`;
    await admin.unsafe(`create database ${name}`);
    created.push(name);
    return withDatabase(pg!.adminUrl, name);
  };

  const fingerprint = async (url: string) => {
    const handle = await openDatabase({ url, dataDir: '', poolSize: 1, prepare: true });
    try {
      return await schemaFingerprint(handle.db);
    } finally {
      await handle.close();
    }
  };

  const migrate = (url: string) => runCli(['migrate'], { MIGRATION_DATABASE_URL: url });

  it('two processes started together on a fresh database both exit 0 and leave the schema whole', async () => {
    const url = await freshDatabase();
    const results = await Promise.all([migrate(url), migrate(url)]);
    for (const r of results) expect(r).toMatchObject({ code: 0, stderr: '' });
    // Counted under the lock: one applied them all, the other found nothing to apply.
    expect(results.map((r) => r.stdout.split(' ')[0]).sort()).toEqual(['applied', 'nothing']);
    expect(await fingerprint(url)).toBe(await fingerprint(pg!.migrationUrl));
  });

  it('waits while another session holds the migration lock, then migrates', async () => {
    const url = await freshDatabase();
    const holder = postgres(url, { max: 1, onnotice: () => {} });
    const lockWaiters = async () =>
      (
        await holder<{ n: number }[]>`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and application_name = 'anthias-migrate-lock' and wait_event_type = 'Lock'`
      )[0]!.n;
    try {
      await holder`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
      const migrating = migrate(url);
      let waiters = 0;
      for (let i = 0; i < 150 && waiters === 0; i++) {
        waiters = await lockWaiters();
        if (waiters === 0) await new Promise((r) => setTimeout(r, 200));
      }
      expect(waiters).toBe(1);
      const [drizzle] = await holder<{ n: number }[]>`select count(*)::int as n from pg_namespace where nspname = 'drizzle'`;
      expect(drizzle!.n).toBe(0);
      await holder`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
      expect(await migrating).toMatchObject({ code: 0, stdout: expect.stringMatching(/^applied \d+ migrations/) });
    } finally {
      await holder.end();
    }
  });
});
