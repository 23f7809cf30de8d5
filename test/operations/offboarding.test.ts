import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { rows } from '../../src/db/rows.js';
import { archiveEntries, archiveManifest } from '../support/archive.js';
import { runCli } from '../support/cli.js';
import { type CliDatabase, cliDatabase } from '../support/cli-database.js';
import { byHash, CREATE_DEVICE } from '../support/devices.js';
import { codes, type Harness, startHarness, uniq } from '../support/harness.js';
import { CREATE_API_KEY, LIST_ASSETS } from '../support/operations.js';
import { addTenantTable, auditIdsOf, type Seeded, tenantFingerprint, tenantTableNames, twoTenants } from '../support/tenant-data.js';

const SLOW = 240_000;

/** Rows that still name the tenant, in any tenant table, plus its tenants row. */
async function leftovers(db: Database, tenantId: string): Promise<number> {
  let n = (await rows<{ n: number }>(db, sql`select count(*)::int as n from tenants where id = ${tenantId}`))[0]!.n;
  for (const table of await tenantTableNames(db)) {
    n += (await rows<{ n: number }>(db, sql`select count(*)::int as n from ${sql.identifier(table)} where tenant_id = ${tenantId}`))[0]!.n;
  }
  return n;
}

describe('delete-tenant', () => {
  let d: CliDatabase;
  let dir: string;
  let gone: Seeded;
  let kept: Seeded;
  let shared: string;
  beforeAll(async () => {
    d = await cliDatabase();
    dir = mkdtempSync(join(tmpdir(), 'anthias-offboard-'));
    await d.owner(async (db) => {
      [gone, kept] = await twoTenants(db, 'off');
      // A person in both tenants keeps the account; the tenant's own editor loses it.
      const [row] = await rows<{ id: string }>(db, sql`insert into users (email, password_hash) values (${`${uniq('both')}@example.test`}, 'x') returning id::text`);
      shared = row!.id;
      await db.execute(sql`insert into tenant_users (tenant_id, user_id, role) values (${gone.id}, ${shared}, 'viewer'), (${kept.id}, ${shared}, 'admin')`);
    });
  }, SLOW);
  afterAll(async () => {
    await d?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a --confirm that does not repeat the subdomain, with one line, exit 2', async () => {
    const r = await d.cli(['delete-tenant', gone.subdomain, '--confirm', kept.subdomain]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/confirm: must repeat the subdomain/);
    expect(await d.owner((db) => leftovers(db, gone.id))).toBeGreaterThan(10);
  }, SLOW);

  it('refuses to delete when the backup it was asked for fails', async () => {
    await d.owner(async (db) => {
      await addTenantTable(db, sql`create table vault (id uuid primary key default gen_random_uuid(), tenant_id uuid not null references tenants(id), secret text)`);
      // A column the runtime role may not read, which the backup policy does not name.
      await db.execute(sql`revoke select on vault from anthias_app`);
      await db.execute(sql`grant select (id, tenant_id) on vault to anthias_app`);
    });
    try {
      const before = await d.owner((db) => tenantFingerprint(db, gone.id));
      const r = await d.cli(['delete-tenant', gone.subdomain, '--confirm', gone.subdomain, '--backup-dir', dir]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/backup failed, so nothing was deleted: vault\.secret cannot be read/);
      const after = await d.owner((db) => tenantFingerprint(db, gone.id, undefined));
      expect({ ...after, audit_logs: '' }).toEqual({ ...before, audit_logs: '' });
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      await d.owner((db) => db.execute(sql`drop table vault`));
    }
  }, SLOW);

  it('backs up, then removes every row, the domains and the sole-member accounts; the other tenant is untouched', async () => {
    const { before, auditBefore, keptBefore, editor } = await d.owner(async (db) => ({
      before: await tenantFingerprint(db, gone.id),
      auditBefore: await auditIdsOf(db, gone.id),
      keptBefore: await tenantFingerprint(db, kept.id),
      editor: (await rows<{ id: string }>(db, sql`select user_id::text as id from tenant_users where tenant_id = ${gone.id} and role = 'editor'`))[0]!.id,
    }));
    const r = await d.cli(['delete-tenant', gone.subdomain, '--confirm', gone.subdomain, '--backup-dir', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { backup: string; accountsDeleted: number; rows: Record<string, number> };
    expect(summary.accountsDeleted).toBe(2); // the owner and the editor; not the person who is also in the other tenant
    expect(summary.rows).toMatchObject({ tenants: 1, tenant_domains: 1, devices: 3, assets: 5, users: 2 });
    await d.owner(async (db) => {
      expect(await leftovers(db, gone.id)).toBe(0);
      const accounts = await rows<{ id: string }>(db, sql`select id::text from users where id in (${gone.ownerId}, ${editor}, ${shared})`);
      expect(accounts).toEqual([{ id: shared }]);
      expect(await tenantFingerprint(db, kept.id)).toEqual(keptBefore);
    });
    // The archive holds the tenant as it was, and its own deletion in the trail.
    const manifest = await archiveManifest(summary.backup);
    expect(manifest.tenant.id).toBe(gone.id);
    const trail = (await archiveEntries(summary.backup)).get(manifest.tables.find((t) => t.table === 'audit_logs')!.part)!;
    expect(trail).toContain('"action":"tenant.delete"');

    // And it brings the tenant back: same ids, accounts recreated without a usable password.
    const restored = await d.cli(['restore-tenant-backup', summary.backup, '--confirm-restore', '--json']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ mode: 'replace', tenant: { id: gone.id }, accountsCreated: 2 });
    await d.owner(async (db) => {
      expect(await tenantFingerprint(db, gone.id, auditBefore)).toEqual(before);
      const [owner] = await rows<{ password_hash: string }>(db, sql`select password_hash from users where id = ${gone.ownerId}`);
      expect(owner!.password_hash).toMatch(/^\$argon2id\$/);
    });
  }, SLOW * 2);
});

// A running gateway and the CLI in another process, sharing PostgreSQL as in production (the
// embedded engine admits one process at a time). The command needs nothing but the database.
const target = inject('testDatabase');
describe.runIf(target.engine === 'postgres')('operator changes reach running gateways', () => {
  let h: Harness;
  let env: Record<string, string>;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness();
    dir = mkdtempSync(join(tmpdir(), 'anthias-ops-'));
    if (target.engine === 'postgres') env = { MIGRATION_DATABASE_URL: target.migrationUrl, DATABASE_URL: target.runtimeUrl, LOG_LEVEL: 'warn' };
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const credentials = async () => {
    const t = await h.seedTenant();
    const owner = await h.login(t.ownerEmail);
    const device = await h.gql<{ createDevice: { deviceKey: string; device: { id: string } } }>(CREATE_DEVICE, { input: { name: 'Lobby' } }, { token: owner, tenant: t.subdomain });
    const key = await h.gql<{ createApiKey: { secret: string } }>(CREATE_API_KEY, { input: { name: 'ci', permissions: ['assets.view'] } }, { token: owner, tenant: t.subdomain });
    return { t, owner, deviceKey: device.body.data!.createDevice.deviceKey, deviceId: device.body.data!.createDevice.device.id, apiKey: key.body.data!.createApiKey.secret };
  };
  const playlist = (key: string) => byHash<Record<string, unknown>>(h, 'DevicePlaylist', {}, key);
  // Announcements arrive when the command commits; the store is purged by the gateway's outbox worker right after.
  const soon = { timeout: 2_000 };
  const shortly = { timeout: 15_000 };

  it('delete-tenant: API keys, device keys and the tenant stop at once; then its store keys and the deleted accounts\' sessions go', async () => {
    const { t, owner, deviceKey, apiKey } = await credentials();
    // Warm every cache: resolution, session, membership, both keys, the playlist.
    expect(codes(await h.gql(LIST_ASSETS, {}, { token: owner, tenant: t.subdomain }))).toEqual([]);
    expect(codes(await h.gql(LIST_ASSETS, {}, { token: apiKey }))).toEqual([]);
    expect(codes(await playlist(deviceKey))).toEqual([]);
    const tenantKeys = async () => {
      const found: string[] = [];
      for await (const keys of h.app.deps.store.scan('')) found.push(...keys.filter((k) => k.includes(t.id)));
      return found;
    };
    expect(await tenantKeys()).not.toEqual([]);

    const r = await runCli(['delete-tenant', t.subdomain, '--confirm', t.subdomain], env, 180_000);
    expect(r.code, r.stderr).toBe(0);
    await expect.poll(async () => codes(await h.gql(LIST_ASSETS, {}, { token: apiKey })), soon).toEqual(['UNAUTHENTICATED']);
    await expect.poll(async () => codes(await playlist(deviceKey)), soon).toEqual(['UNAUTHENTICATED']);
    await expect.poll(async () => codes(await h.gql('{ currentTenant { id } }', {}, { tenant: t.subdomain })), soon).toEqual(['TENANT_NOT_FOUND']);
    // The owner belonged to this tenant only: the account is gone, and so is its session.
    await expect.poll(async () => codes(await h.gql('{ me { id } }', {}, { token: owner })), shortly).toEqual(['UNAUTHENTICATED']);
    await expect.poll(tenantKeys, shortly).toEqual([]);
  }, SLOW);

  it('restore-tenant-backup: a member added since loses access at once, a deleted screen works again at once', async () => {
    const { t, owner, deviceKey, deviceId } = await credentials();
    const file = join(dir, `${t.subdomain}.tar.gz`);
    expect((await runCli(['backup-tenant', t.subdomain, '--out', file], env, 180_000)).code).toBe(0);
    const late = await h.addMember(t.id, 'editor');
    const lateToken = await h.login(late.email);
    expect(codes(await h.gql(LIST_ASSETS, {}, { token: lateToken, tenant: t.subdomain }))).toEqual([]);
    expect(codes(await h.gql('mutation($id: ID!) { deleteDevice(id: $id) }', { id: deviceId }, { token: owner, tenant: t.subdomain }))).toEqual([]);
    expect(codes(await playlist(deviceKey))).toEqual(['UNAUTHENTICATED']); // the refusal is cached now

    const r = await runCli(['restore-tenant-backup', file, '--confirm-restore'], env, 180_000);
    expect(r.code, r.stderr).toBe(0);
    await expect.poll(async () => codes(await h.gql(LIST_ASSETS, {}, { token: lateToken, tenant: t.subdomain })), soon).toEqual(['FORBIDDEN']);
    await expect.poll(async () => codes(await playlist(deviceKey)), soon).toEqual([]);
    expect(codes(await h.gql(LIST_ASSETS, {}, { token: owner, tenant: t.subdomain }))).toEqual([]);
  }, SLOW);
});
