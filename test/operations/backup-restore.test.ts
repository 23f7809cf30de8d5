import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { rows } from '../../src/db/rows.js';
import type { Manifest } from '../../src/operations/backup/archive.js';
import { archiveEntries, archiveManifest, editArchive } from '../support/archive.js';
import { type CliDatabase, cliDatabase } from '../support/cli-database.js';
import { addTenantTable, auditIdsOf, newTenant, type Seeded, tenantFingerprint, tenantTableNames, twoTenants } from '../support/tenant-data.js';

// Every CLI run here is a child process on a shared, busy machine: generous bounds, nothing asserted on speed.
const SLOW = 240_000;

let d: CliDatabase;
let dir: string;
let a: Seeded;
let b: Seeded;
let archive: string;
let original: Record<string, string>;
let originalAudit: string[];

beforeAll(async () => {
  d = await cliDatabase();
  dir = mkdtempSync(join(tmpdir(), 'anthias-backups-'));
  archive = join(dir, 'a.tar.gz');
  await d.owner(async (db) => {
    [a, b] = await twoTenants(db, 'bk');
    await addTenantTable(db, sql`create table widgets (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null references tenants(id) on delete cascade,
      label text not null,
      weight numeric(8, 2),
      tags text[] not null default '{}')`);
    await db.execute(sql`insert into widgets (tenant_id, label, weight, tags)
      select ${a.id}, 'widget ' || g, g * 1.25, array['w' || g] from generate_series(1, 7) g`);
    await db.execute(sql`insert into widgets (tenant_id, label) values (${b.id}, 'b widget')`);
    original = await tenantFingerprint(db, a.id);
    originalAudit = await auditIdsOf(db, a.id);
  });
}, SLOW);
afterAll(async () => {
  await d?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('backup-tenant', () => {
  it('archives every tenant table from the catalog, the added one included, with counts, checksums and no password', async () => {
    const r = await d.cli(['backup-tenant', a.subdomain, '--out', archive, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as Manifest & { file: string };
    expect(printed.file).toBe(archive);

    const manifest = await archiveManifest(archive);
    const entries = await archiveEntries(archive);
    const tables = await d.owner(tenantTableNames);
    expect(tables).toContain('widgets');
    expect(manifest.tables.map((t) => t.table).sort()).toEqual([...tables, 'tenants', 'users'].sort());
    expect([...entries.keys()]).toEqual(['manifest.json', ...manifest.tables.map((t) => t.part)]);
    expect(manifest).toMatchObject({ format: 'anthias-tenant-backup', formatVersion: 1, tenant: { id: a.id, subdomain: a.subdomain } });
    expect(manifest.migration.tag).toMatch(/^\d{4}_/);
    expect(manifest.durationMs).toBeGreaterThanOrEqual(0);
    const counts = await d.owner(async (db) => {
      const out: Record<string, number> = {};
      for (const t of tables) out[t] = (await rows<{ n: number }>(db, sql`select count(*)::int as n from ${sql.identifier(t)} where tenant_id = ${a.id}`))[0]!.n;
      return out;
    });
    for (const t of manifest.tables) {
      const text = entries.get(t.part)!;
      expect(text.split('\n').filter(Boolean)).toHaveLength(t.rows);
      expect(t.sha256).toMatch(/^[0-9a-f]{64}$/);
      // The backup's own audit row is written after the snapshot.
      if (t.table in counts) expect(t.rows).toBe(counts[t.table]! - (t.table === 'audit_logs' ? 1 : 0));
    }
    expect(manifest.tables.find((t) => t.table === 'widgets')!.rows).toBe(7);
    expect(manifest.tables.find((t) => t.table === 'users')).toMatchObject({ rows: 2, columns: expect.not.arrayContaining(['password_hash']) });
    expect(manifest.omittedColumns).toEqual([expect.objectContaining({ table: 'users', column: 'password_hash' })]);
    const everything = [...entries.values()].join('\n');
    expect(everything).not.toContain('$argon2');
    expect(everything).not.toContain('not-a-real-hash');
    expect(everything).not.toContain(b.id); // read through A's RLS context: nothing of B
  }, SLOW);

  it('refuses an unknown tenant and an existing output file with one line, exit 2', async () => {
    const unknown = await d.cli(['backup-tenant', 'no-such-tenant', '--out', join(dir, 'x.tar.gz')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    const before = readFileSync(archive);
    const exists = await d.cli(['backup-tenant', a.subdomain, '--out', archive]);
    expect(exists.code).toBe(2);
    expect(exists.stderr).toMatch(/exists/);
    expect(readFileSync(archive).equals(before)).toBe(true);
  }, SLOW);
});

describe('restore-tenant-backup', () => {
  /** Changes and deletions in every kind of row, after the backup. */
  const mutate = (db: Database) =>
    db.execute(sql`
      with renamed as (update tenants set name = 'renamed', settings = '{"timezone": "Asia/Tokyo"}' where id = ${a.id} returning 1),
           assets_changed as (update assets set name = 'changed', labels = '{}' where tenant_id = ${a.id} and play_order < 3 returning 1),
           devices_gone as (delete from devices where tenant_id = ${a.id} and name = 'screen 2' returning 1),
           widgets_gone as (delete from widgets where tenant_id = ${a.id} and label like 'widget 1%' returning 1),
           asset_added as (insert into assets (tenant_id, name, uri, mimetype) values (${a.id}, 'new', 'https://x.test/n.png', 'image') returning 1),
           member_gone as (delete from tenant_users where tenant_id = ${a.id} and role = 'editor' returning 1),
           owner_renamed as (update users set display_name = 'Someone else' where id = ${a.ownerId} returning 1)
      select 1`);

  it('replaces the tenant with the archive, row for row; the trail keeps what came after', async () => {
    await d.owner(async (db) => {
      await mutate(db);
      expect(await tenantFingerprint(db, a.id, originalAudit)).not.toEqual(original);
    });
    const r = await d.cli(['restore-tenant-backup', archive, '--confirm-restore', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ mode: 'replace', tenant: { id: a.id, subdomain: a.subdomain }, accountsCreated: 0 });
    await d.owner(async (db) => {
      expect(await tenantFingerprint(db, a.id, originalAudit)).toEqual(original);
      const actions = (await rows<{ action: string }>(db, sql`select action from audit_logs where tenant_id = ${a.id} and not (id::text in (select value from json_array_elements_text(${JSON.stringify(originalAudit)}::json)))`)).map((x) => x.action);
      expect(actions.sort()).toEqual(['tenant.backup', 'tenant.restore']);
      // B was never touched.
      expect((await rows<{ n: number }>(db, sql`select count(*)::int as n from widgets where tenant_id = ${b.id}`))[0]!.n).toBe(1);
    });
  }, SLOW);

  it('refuses a flipped byte, a truncated file, another format version and another migration level; nothing changes', async () => {
    const state = await d.owner(async (db) => {
      await mutate(db);
      return tenantFingerprint(db, a.id);
    });
    const bytes = readFileSync(archive);
    const flipped = join(dir, 'flipped.tar.gz');
    const copy = Buffer.from(bytes);
    copy[Math.floor(copy.length / 2)]! ^= 0xff;
    writeFileSync(flipped, copy);
    const truncated = join(dir, 'truncated.tar.gz');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    const version = join(dir, 'version.tar.gz');
    editArchive(archive, version, '"formatVersion": 1,', '"formatVersion": 9,');
    const manifest = await archiveManifest(archive);
    const level = join(dir, 'level.tar.gz');
    const when = String(manifest.migration.when);
    editArchive(archive, level, `"when": ${when}`, `"when": ${when.slice(0, -1)}${(Number(when.at(-1)) + 1) % 10}`);

    for (const [file, message] of [
      [flipped, /archive: is damaged/],
      [truncated, /archive: is damaged/],
      [version, /format version 9/],
      [level, /migration/],
    ] as const) {
      const r = await d.cli(['restore-tenant-backup', file, '--confirm-restore']);
      expect(r.code, file).toBe(2);
      expect(r.stderr.trim().split('\n'), file).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    const missing = await d.cli(['restore-tenant-backup', archive]);
    expect(missing.code).toBe(2);
    expect(await d.owner((db) => tenantFingerprint(db, a.id))).toEqual(state);
  }, SLOW * 2);

  it('clones with --as-new: no id of the source anywhere in the clone, platform-unique values new, keys dead', async () => {
    const sub = `${a.subdomain}-copy`;
    const r = await d.cli(['restore-tenant-backup', archive, '--confirm-restore', '--as-new', sub, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const clone = (JSON.parse(r.stdout) as { tenant: { id: string; subdomain: string } }).tenant;
    expect(clone.subdomain).toBe(sub);
    expect(clone.id).not.toBe(a.id);
    await d.owner(async (db) => {
      const tables = await tenantTableNames(db);
      // Every id of the source tenant's rows (accounts are shared people, not the tenant's rows).
      const withId = (await rows<{ table: string }>(db, sql`select table_name as table from information_schema.columns
        where table_schema = 'public' and column_name = 'id'`)).map((r) => r.table);
      const sourceIds = sql.join(
        [
          sql`select id::text as id from tenants where id = ${a.id}`,
          ...tables.filter((t) => withId.includes(t)).map((t) => sql`select id::text from ${sql.identifier(t)} where tenant_id = ${a.id}`),
        ],
        sql` union `,
      );
      const cloneText = sql.join(
        [sql`select row_to_json(x)::text as t from tenants x where id = ${clone.id}`, ...tables.map((t) => sql`select row_to_json(x)::text from ${sql.identifier(t)} x where tenant_id = ${clone.id}`)],
        sql` union all `,
      );
      const [leak] = await rows<{ n: number; rows: number }>(
        db,
        sql`select (select count(*)::int from (${cloneText}) c join (${sourceIds}) s on position(s.id in c.t) > 0) as n,
                   (select count(*)::int from (${cloneText}) c) as rows`,
      );
      expect(leak!.rows).toBeGreaterThan(20);
      expect(leak!.n).toBe(0);

      const count = async (table: string, tenant: string) =>
        (await rows<{ n: number }>(db, sql`select count(*)::int as n from ${sql.identifier(table)} where tenant_id = ${tenant}`))[0]!.n;
      const archived = await archiveManifest(archive);
      for (const t of tables.filter((x) => !['audit_logs', 'tenant_domains'].includes(x))) {
        expect(await count(t, clone.id), t).toBe(archived.tables.find((p) => p.table === t)!.rows);
      }
      expect(await count('audit_logs', clone.id)).toBe(archived.tables.find((p) => p.table === 'audit_logs')!.rows + 1);
      expect(await count('tenant_domains', clone.id)).toBe(0);
      const [keys] = await rows<{ shared: number; live_keys: number; device_keys: number; shared_codes: number; pending: number }>(
        db,
        sql`select
          (select count(*)::int from api_keys c join api_keys s on s.prefix = c.prefix or s.key_hash = c.key_hash where c.tenant_id = ${clone.id} and s.tenant_id = ${a.id}) as shared,
          (select count(*)::int from api_keys where tenant_id = ${clone.id} and revoked_at is null) as live_keys,
          (select count(*)::int from devices where tenant_id = ${clone.id} and (key_prefix is not null or key_hash is not null)) as device_keys,
          (select count(*)::int from qr_contents c join qr_contents s on s.code = c.code where c.tenant_id = ${clone.id}) - (select count(*)::int from qr_contents where tenant_id = ${clone.id}) as shared_codes,
          (select count(*)::int from invitations where tenant_id = ${clone.id} and revoked_at is null and accepted_at is null) as pending`,
      );
      expect(keys).toEqual({ shared: 0, live_keys: 0, device_keys: 0, shared_codes: 0, pending: 0 });
      // The archive's members are the clone's, through the accounts they already have here.
      const members = await rows<{ user_id: string }>(db, sql`select user_id::text from tenant_users where tenant_id = ${clone.id} order by 1`);
      const usersPart = (await archiveEntries(archive)).get(archived.tables.find((p) => p.table === 'users')!.part)!;
      const archivedMembers = usersPart.trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id).sort();
      expect(members.map((m) => m.user_id)).toEqual(archivedMembers);
      const [audit] = await rows<{ action: string; changes: unknown }>(db, sql`select action, changes from audit_logs where tenant_id = ${clone.id} and action = 'tenant.clone'`);
      expect(audit?.changes).toMatchObject({ source: { after: a.subdomain } });
    });
    const again = await d.cli(['restore-tenant-backup', archive, '--confirm-restore', '--as-new', sub]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/is taken/);
  }, SLOW);

  it('refuses an archive whose subdomain now belongs to another tenant', async () => {
    const archiveB = join(dir, 'b.tar.gz');
    expect((await d.cli(['backup-tenant', b.subdomain, '--out', archiveB])).code).toBe(0);
    const other = await d.owner(async (db) => {
      await db.execute(sql`update tenants set subdomain = ${`${b.subdomain}-old`} where id = ${b.id}`);
      const t = await newTenant(db, 'imp');
      await db.execute(sql`update tenants set subdomain = ${b.subdomain} where id = ${t.id}`);
      return { ...t, fingerprint: await tenantFingerprint(db, t.id) };
    });
    const r = await d.cli(['restore-tenant-backup', archiveB, '--confirm-restore']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/now belongs to tenant/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(await d.owner((db) => tenantFingerprint(db, other.id))).toEqual(other.fingerprint);
  }, SLOW);
});

describe('backup --all', () => {
  it('writes one archive per tenant and prunes only that tenant’s archives older than --keep-days', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'anthias-all-'));
    const old = join(folder, `anthias-${a.subdomain}-${a.id}-20200101T000000Z.tar.gz`);
    const recent = join(folder, `anthias-${a.subdomain}-${a.id}-${new Date(Date.now() - 86_400_000).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.tar.gz`);
    const unrelated = join(folder, 'notes.txt');
    for (const f of [old, recent, unrelated]) writeFileSync(f, 'x');
    const r = await d.cli(['backup', '--all', '--dir', folder, '--keep-days', '7', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { subdomain: string; file: string; pruned: string[] });
    const tenants = await d.owner((db) => rows<{ subdomain: string }>(db, sql`select subdomain from tenants`));
    expect(lines.map((l) => l.subdomain).sort()).toEqual(tenants.map((t) => t.subdomain).sort());
    expect(lines.find((l) => l.subdomain === a.subdomain)!.pruned).toEqual([old]);
    const names = readdirSync(folder);
    expect(names).not.toContain(old.split('/').at(-1));
    expect(names).toContain(recent.split('/').at(-1));
    expect(names).toContain('notes.txt');
    expect(names.filter((n) => n.endsWith('.tar.gz'))).toHaveLength(tenants.length + 1);
    for (const l of lines) expect(statSync(l.file).size).toBeGreaterThan(100);
    expect((await d.cli(['backup', '--all', '--dir', join(folder, 'missing')])).code).toBe(2);
    expect((await d.cli(['backup', '--all', '--dir', folder, '--keep-days', 'soon'])).code).toBe(2);
    rmSync(folder, { recursive: true, force: true });
  }, SLOW * 2);

});
