import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SQL, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client.js';
import { rows } from '../../src/db/rows.js';
import type { ImportReport } from '../../src/modules/anthias-import/anthias-import.service.js';
import { anthiasDatabase, DJANGO_ASSETS_TABLE, LEGACY_ASSETS_TABLE, type SqliteRow, sqliteRow, V2_ASSETS, type V2Asset } from '../fixtures/anthias-player.js';
import { runCli } from '../support/cli.js';
import { RUNTIME_LOGIN, withDatabase } from '../support/global-setup.js';
import { type Harness, startHarness, uniq } from '../support/harness.js';

// The CLI runs in a child process, as an operator runs it: on PostgreSQL against a database of
// its own, where a gateway (in this process) is the only one to drain the outbox; on PGlite in a
// DATA_DIR that the CLI migrates first (one process at a time: the checks below open the database
// only between CLI runs, and no gateway can run beside it).
const target = inject('testDatabase');
const dir = mkdtempSync(join(tmpdir(), 'anthias-import-'));
const database = `anthias_import_${uniq('')}`;
const env: Record<string, string> =
  target.engine === 'postgres'
    ? { MIGRATION_DATABASE_URL: withDatabase(target.adminUrl, database), DATABASE_URL: runtimeUrl(withDatabase(target.adminUrl, database)) }
    : { DATA_DIR: join(dir, 'data') };
let gateway: Harness | undefined;

function runtimeUrl(url: string): string {
  const u = new URL(url);
  u.username = RUNTIME_LOGIN;
  u.password = RUNTIME_LOGIN;
  return u.toString();
}
const cli = (...args: string[]) => runCli(args, env);
// Each case runs the CLI several times; a loaded machine makes one run take seconds.
const SLOW = { timeout: 300_000 };

async function withDb<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  const handle = await openDatabase({ url: env.MIGRATION_DATABASE_URL, dataDir: env.DATA_DIR ?? '', poolSize: 1, prepare: true });
  try {
    return await fn(handle.db);
  } finally {
    await handle.close();
  }
}
const query = <T>(statement: SQL) => withDb((db) => rows<T>(db, statement));

/** A tenant of its own for each case, made directly: the import is what is under test. */
async function newTenant(maxAssets: number | null = null): Promise<{ id: string; subdomain: string }> {
  const subdomain = uniq('imp');
  const [tenant] = await query<{ id: string }>(
    sql`insert into tenants (name, subdomain, plan, max_assets) values (${`Org ${subdomain}`}, ${subdomain}, 'basic', ${maxAssets}) returning id`,
  );
  return { id: tenant!.id, subdomain };
}

type AssetRow = {
  name: string; uri: string; md5: string | null; mimetype: string; duration: number; start_date: string | null; end_date: string | null;
  is_enabled: boolean; is_processing: boolean; nocache: boolean; skip_asset_check: boolean; play_order: number; play_days: number[];
  play_time_from: string | null; play_time_to: string | null; labels: string[]; source_ref: string | null;
};
type AuditRow = { action: string; actor_type: string; changes: Record<string, { before?: unknown; after?: unknown }> };

/** The tenant's assets in play order and its asset audit rows, in one visit to the database. */
const stateOf = (tenantId: string) =>
  withDb(async (db) => ({
    assets: await rows<AssetRow>(db, sql`select name, uri, md5, mimetype, duration,
        to_char(start_date at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as start_date,
        to_char(end_date at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as end_date, is_enabled, is_processing, nocache,
        skip_asset_check, play_order, play_days, play_time_from::text, play_time_to::text, labels, source_ref
      from assets where tenant_id = ${tenantId} order by play_order, name`),
    audit: await rows<AuditRow>(db, sql`select action, actor_type, changes from audit_logs
      where tenant_id = ${tenantId} and target_type = 'asset' order by created_at, id`),
    effects: await rows<{ kind: string }>(db, sql`select kind from outbox where payload->>'tenantId' = ${tenantId}`),
  }));
const NOTHING = { assets: [], audit: [], effects: [] };

function writeFile(name: string, content: string): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}
const writeJson = (name: string, value: unknown) => writeFile(name, JSON.stringify(value, null, 2));

async function writeSqlite(name: string, createTable: string, records: SqliteRow[], opts: { wal?: boolean } = {}): Promise<string> {
  const file = join(dir, name);
  writeFileSync(file, await anthiasDatabase(createTable, records, opts));
  return file;
}

async function importJson(args: string[]): Promise<ImportReport> {
  const r = await cli('import-anthias', ...args, '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as ImportReport;
}

// What V2_ASSETS becomes: the five that our model can hold, in Anthias's play order (play_order,
// then place in the source), times in the player's zone turned into instants.
const EXPECTED = [
  { name: 'Screenly Clock Widget', uri: 'https://clock.srly.io', mimetype: 'webpage', duration: 10, start_date: '2026-05-04T08:15:00.000Z', end_date: '2032-05-04T08:15:00.000Z', is_enabled: true, nocache: false, skip_asset_check: false, play_days: [1, 2, 3, 4, 5, 6, 7], play_time_from: null, play_time_to: null, source_ref: 'anthias:default_6f1c2d3e4b5a69788796a5b4c3d2e1f0' },
  { name: 'Lobby dashboard', uri: 'https://dashboard.example.com/lobby?screen=1&theme=dark', mimetype: 'webpage', duration: 30, start_date: '2026-05-04T07:00:00.250Z', end_date: '2027-05-04T07:00:00.000Z', is_enabled: true, nocache: true, skip_asset_check: false, play_days: [1, 2, 3, 4, 5], play_time_from: '08:00:00', play_time_to: '18:00:00', source_ref: 'anthias:8a1f3c5e7b9d4f2a8c6e0b1d3f5a7c9e' },
  { name: 'Camera feed', uri: 'rtsp://camera.example.com:554/live', mimetype: 'streaming', duration: 300, start_date: '2026-05-04T08:30:00.000Z', end_date: '2027-05-04T08:30:00.000Z', is_enabled: false, nocache: false, skip_asset_check: false, play_days: [1, 2, 3, 4, 5, 6, 7], play_time_from: null, play_time_to: null, source_ref: 'anthias:c4d2e6f8a0b1c3d5e7f9a1b3c5d7e9f0' },
  { name: 'Weekend promo', uri: 'https://cdn.example.com/promo.jpg', mimetype: 'image', duration: 15, start_date: '2026-12-04T23:00:00.000Z', end_date: '2027-01-31T22:59:59.000Z', is_enabled: true, nocache: false, skip_asset_check: true, play_days: [5, 6], play_time_from: '22:00:00', play_time_to: '02:00:00', source_ref: 'anthias:3b7e9d1f5a2c4e6b8d0f1a3c5e7b9d2f' },
  { name: 'Opening hours', uri: 'https://example.com/hours', mimetype: 'webpage', duration: 20, start_date: '2026-05-04T10:30:00.000Z', end_date: '2027-05-04T10:30:00.000Z', is_enabled: true, nocache: false, skip_asset_check: false, play_days: [1, 2, 3, 4, 5, 6], play_time_from: null, play_time_to: null, source_ref: 'anthias:1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a' },
];
const SKIPPED = {
  e5f7a9b1c3d5e7f9a0b2c4d6e8f0a1b3: /^uri: \/data\/anthias_assets\/e5f7a9b1c3d5e7f9a0b2c4d6e8f0a1b3\.png is a file on the player's disk; uploads are not supported yet$/,
  f6a8b0c2d4e6f8a0b1c3d5e7f9a1b2c4: /^uri: \/data\/anthias_assets\/f6a8b0c2d4e6f8a0b1c3d5e7f9a1b2c4\.mp4 is a file on the player's disk/,
  '0a2c4e6f8b1d3f5a7c9e0b2d4f6a8c1e': /^duration: must be whole seconds from 1 to 86400$/,
};

const withoutOrder = ({ play_order: _, ...rest }: AssetRow) => rest;

let jsonFile: string;
beforeAll(async () => {
  jsonFile = writeJson('assets.json', V2_ASSETS);
  if (target.engine === 'pglite') {
    expect(await cli('migrate')).toMatchObject({ code: 0 });
    return;
  }
  const admin = postgres(target.adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${database}`);
  await admin.end();
  const owner = await openDatabase({ url: env.MIGRATION_DATABASE_URL, dataDir: '', poolSize: 1, prepare: true });
  await owner.migrate();
  await owner.close();
  gateway = await startHarness({ DATABASE_URL: env.DATABASE_URL!, MIGRATION_DATABASE_URL: env.MIGRATION_DATABASE_URL! });
}, 120_000);
afterAll(async () => {
  await gateway?.close();
  if (target.engine === 'postgres') {
    const admin = postgres(target.adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${database} with (force)`);
    await admin.end();
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('anthias import-anthias', () => {
  it('imports the v2 JSON: counts, fields, schedules, play order, audit; the new column keeps RLS validation passing', SLOW, async () => {
    const tenant = await newTenant();
    const genKey = `playlist-gen:${tenant.id}`;
    await gateway?.app.deps.store.set(genKey, 'before-import');

    const report = await importJson(['--tenant', tenant.subdomain, jsonFile]);
    expect(report).toMatchObject({ tenant, format: 'json', dryRun: false, counts: { created: 5, updated: 0, unchanged: 0, skipped: 3 } });
    expect(report.assets.map((a) => a.anthiasId)).toEqual(V2_ASSETS.map((a) => a.asset_id)); // source order
    for (const [id, reason] of Object.entries(SKIPPED)) {
      expect(report.assets.find((a) => a.anthiasId === id)).toMatchObject({ status: 'skipped', reason: expect.stringMatching(reason) });
    }
    const { assets: stored, audit } = await stateOf(tenant.id);
    expect(stored.map(withoutOrder)).toEqual(EXPECTED.map((e) => ({ ...e, md5: null, is_processing: false, labels: [] })));
    expect(stored.map((a) => a.play_order)).toEqual([0, 1, 2, 3, 4]);
    expect(audit).toHaveLength(5);
    expect(audit.every((a) => a.action === 'asset.create' && a.actor_type === 'system')).toBe(true);
    expect(audit.find((a) => a.changes.name?.after === 'Lobby dashboard')?.changes).toMatchObject({
      uri: { after: 'https://dashboard.example.com/lobby?screen=1&theme=dark' },
      playDays: { after: [1, 2, 3, 4, 5] },
      sourceRef: { after: 'anthias:8a1f3c5e7b9d4f2a8c6e0b1d3f5a7c9e' },
    });

    // The import marked the tenant's cached playlists stale through the outbox, in its transaction:
    // a running gateway sets a new playlist generation, so no device is served a playlist cached before.
    if (gateway) {
      const store = gateway.app.deps.store;
      await expect.poll(() => store.get(genKey), { timeout: 20_000, interval: 250 }).not.toBe('before-import');
    } else {
      expect((await stateOf(tenant.id)).effects).toEqual([{ kind: 'playlists.stale' }]);
    }
    expect((await cli('rls', 'validate')).code).toBe(0);
  });

  it('a second import updates and never duplicates; a changed source updates what changed and keeps labels; creations count net of updates', SLOW, async () => {
    const tenant = await newTenant(5); // exactly what the source creates
    await importJson(['--tenant', tenant.subdomain, jsonFile]);
    const again = await importJson(['--tenant', tenant.subdomain, jsonFile]); // at the limit: updates still fit
    expect(again.counts).toEqual({ created: 0, updated: 0, unchanged: 5, skipped: 3 });
    const after = await stateOf(tenant.id);
    expect([after.assets.length, after.audit.length]).toEqual([5, 5]);

    await query(sql`update assets set labels = '{lobby}' where tenant_id = ${tenant.id} and name = 'Lobby dashboard'`);
    const changed = V2_ASSETS.map((a): V2Asset => {
      if (a.name === 'Lobby dashboard') return { ...a, name: 'Lobby dashboard (new)' };
      if (a.name === 'Camera feed') return { ...a, play_order: 9 };
      return a;
    });
    const third = await importJson(['--tenant', tenant.subdomain, writeJson('changed.json', changed)]);
    expect(third.counts).toEqual({ created: 0, updated: 4, unchanged: 1, skipped: 3 });
    expect(third.assets.find((a) => a.anthiasId === '8a1f3c5e7b9d4f2a8c6e0b1d3f5a7c9e')).toMatchObject({ status: 'updated', changed: ['name'] });
    const { assets: stored, audit } = await stateOf(tenant.id);
    expect(stored.map((a) => [a.play_order, a.name])).toEqual([
      [0, 'Screenly Clock Widget'], [1, 'Lobby dashboard (new)'], [2, 'Weekend promo'], [3, 'Opening hours'], [4, 'Camera feed'],
    ]);
    expect(stored.find((a) => a.name === 'Lobby dashboard (new)')?.labels).toEqual(['lobby']);
    const updates = audit.filter((a) => a.action === 'asset.update');
    expect(updates).toHaveLength(4);
    expect(updates.find((a) => a.changes.name)?.changes).toEqual({ name: { before: 'Lobby dashboard', after: 'Lobby dashboard (new)' } });

    const oneMore = writeJson('one-more.json', [...changed, { ...V2_ASSETS[0]!, asset_id: '2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b', name: 'Sixth' }]);
    const past = await cli('import-anthias', '--tenant', tenant.subdomain, oneMore);
    expect(past.code).toBe(2);
    expect(past.stderr).toContain('error: assets: the import would create 1, but the plan allows 5 and 5 are in use; nothing was written');
    expect((await stateOf(tenant.id)).assets.map((a) => a.name)).toEqual(stored.map((a) => a.name));
  });

  it("reads the player's SQLite database (WAL mode, Django schema) into the same assets, after the tenant's own", SLOW, async () => {
    const tenant = await newTenant();
    await query(sql`insert into assets (tenant_id, name, uri, mimetype, play_order) values (${tenant.id}, 'Already here', 'https://example.com/mine', 'webpage', 0)`);
    const file = await writeSqlite('anthias.db', DJANGO_ASSETS_TABLE, V2_ASSETS.map(sqliteRow), { wal: true });
    const report = await importJson(['--tenant', tenant.subdomain, file]);
    expect(report).toMatchObject({ format: 'sqlite', counts: { created: 5, updated: 0, unchanged: 0, skipped: 3 } });
    const { assets: stored } = await stateOf(tenant.id);
    expect(stored[0]).toMatchObject({ name: 'Already here', play_order: 0, source_ref: null });
    expect(stored.slice(1).map(withoutOrder)).toEqual(EXPECTED.map((e) => ({ ...e, md5: null, is_processing: false, labels: [] })));
    expect(stored.slice(1).map((a) => a.play_order)).toEqual([1, 2, 3, 4, 5]);
  });

  it('reads the pre-Django table the commit ships (text duration, no schedule columns)', SLOW, async () => {
    const tenant = await newTenant();
    const file = await writeSqlite('legacy.db', LEGACY_ASSETS_TABLE, [
      { asset_id: '7d2f4b6a8c0e1f3a5b7c9d0e2f4a6b8c', name: 'Old menu', uri: 'https://menu.example.com', md5: 'd41d8cd98f00b204e9800998ecf8427e', start_date: '2020-01-01 00:00:00', end_date: '2030-01-01 00:00:00', duration: '15', mimetype: 'webpage', is_enabled: 1, is_processing: 0, nocache: 0, play_order: 0, skip_asset_check: 0 },
      { asset_id: '9e1a3c5b7d9f0a2b4c6d8e0f1a3b5c7d', name: 'Old upload', uri: '/home/pi/screenly_assets/9e1a3c5b7d9f0a2b4c6d8e0f1a3b5c7d.jpg', md5: null, start_date: '2020-01-01 00:00:00', end_date: '2030-01-01 00:00:00', duration: '10', mimetype: 'image', is_enabled: 1, is_processing: 0, nocache: 0, play_order: 1, skip_asset_check: 0 },
    ]);
    const report = await importJson(['--tenant', tenant.subdomain, file]);
    expect(report.counts).toEqual({ created: 1, updated: 0, unchanged: 0, skipped: 1 });
    expect((await stateOf(tenant.id)).assets).toEqual([
      { name: 'Old menu', uri: 'https://menu.example.com', md5: 'd41d8cd98f00b204e9800998ecf8427e', mimetype: 'webpage', duration: 15, start_date: '2020-01-01T00:00:00.000Z', end_date: '2030-01-01T00:00:00.000Z', is_enabled: true, is_processing: false, nocache: false, skip_asset_check: false, play_order: 0, play_days: [1, 2, 3, 4, 5, 6, 7], play_time_from: null, play_time_to: null, labels: [], source_ref: 'anthias:7d2f4b6a8c0e1f3a5b7c9d0e2f4a6b8c' },
    ]);
  });

  it('refuses an import past the quota with exit 2 and writes nothing', SLOW, async () => {
    const small = await newTenant(4);
    const refused = await cli('import-anthias', '--tenant', small.subdomain, jsonFile);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n').filter((l) => l.startsWith('error:'))).toEqual([
      'error: assets: the import would create 5, but the plan allows 4 and 0 are in use; nothing was written',
    ]);
    expect(await stateOf(small.id)).toEqual(NOTHING);
  });

  it('--dry-run reports what would happen, as a table off a terminal, and writes nothing', SLOW, async () => {
    const tenant = await newTenant();
    const dry = await cli('import-anthias', '--tenant', tenant.subdomain, '--dry-run', jsonFile);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^STATUS\s+PLAY ORDER\s+ANTHIAS ID\s+NAME\s+DETAIL$/m);
    expect(dry.stdout).toMatch(/^created\s+3\s+3b7e9d1f5a2c4e6b8d0f1a3c5e7b9d2f\s+Weekend promo$/m);
    expect(dry.stdout).toMatch(/^skipped\s+-\s+e5f7a9b1c3d5e7f9a0b2c4d6e8f0a1b3\s+Menu board\s+uri: .* is a file on the player's disk/m);
    expect(dry.stdout).toContain(`${tenant.subdomain}: created 5, updated 0, unchanged 0, skipped 3 (dry run: nothing was written)`);
    expect(dry.stderr).not.toMatch(/importing/); // the progress bar is for terminals only
    expect(await stateOf(tenant.id)).toEqual(NOTHING);
  });

  it('refuses bad input with one line and exit 2, and writes nothing', SLOW, async () => {
    const tenant = await newTenant();
    const cases: [string[], RegExp, Record<string, string>?][] = [
      [['--tenant', tenant.subdomain, join(dir, 'missing.json')], /^error: file: cannot read .*missing\.json \(ENOENT\)$/],
      [['--tenant', tenant.subdomain, writeFile('notes.txt', 'these are not assets\n')], /^error: file: .*notes\.txt is neither JSON nor an SQLite database$/],
      [['--tenant', 'no-such-tenant', jsonFile], /^error: subdomain: no tenant "no-such-tenant"$/],
    ];
    // An operator role that may not act as the runtime role is told how to fix it (PostgreSQL only: PGlite has one superuser).
    const admin = target.engine === 'postgres' ? postgres(target.adminUrl, { max: 1, onnotice: () => {} }) : null;
    const login = uniq('anthias_import_probe_');
    if (admin && target.engine === 'postgres') {
      await admin.unsafe(`create role ${login} login password '${login}'`);
      const url = new URL(target.migrationUrl);
      url.username = login;
      url.password = login;
      cases.push([['--tenant', tenant.subdomain, jsonFile], new RegExp(`^error: the import runs as anthias_app, which ${login} may not act as: GRANT anthias_app TO ${login}$`), { MIGRATION_DATABASE_URL: url.toString() }]);
    }
    try {
      for (const [args, message, extraEnv] of cases) {
        const r = await runCli(['import-anthias', ...args], { ...env, ...extraEnv });
        expect(r.code, args.join(' ')).toBe(2);
        const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('{')); // JSON lines: the logger's warning about the store
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(message);
      }
    } finally {
      await admin?.unsafe(`drop role if exists ${login}`);
      await admin?.end();
    }
    expect(await stateOf(tenant.id)).toEqual(NOTHING);
  });
});
