import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/rows.js';
import type { IsolationReport } from '../../src/operations/isolation/isolation.service.js';
import { type CliDatabase, cliDatabase } from '../support/cli-database.js';
import { addTenantTable, rowCounts, type Seeded, twoTenants } from '../support/tenant-data.js';

const SLOW = 240_000;

let d: CliDatabase;
let a: Seeded;
let b: Seeded;
const selfTest = (...extra: string[]) => d.cli(['test-tenant-isolation', '--tenant1', a.subdomain, '--tenant2', b.subdomain, ...extra]);
const failures = (report: IsolationReport) => report.probes.filter((p) => p.outcome === 'FAIL');

beforeAll(async () => {
  d = await cliDatabase();
  await d.owner(async (db) => {
    [a, b] = await twoTenants(db, 'is');
    // A table added later, with a foreign key to another tenant table: canaries are made from the catalog.
    await addTenantTable(db, sql`create table playlist_notes (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null references tenants(id) on delete cascade,
      asset_id uuid not null references assets(id) on delete cascade,
      note text not null,
      pinned boolean not null,
      rank integer not null check (rank >= 0),
      created_at timestamptz not null default now())`);
  });
}, SLOW);
afterAll(() => d?.close());

describe('test-tenant-isolation', () => {
  it('passes on a clean database, probing every tenant table both ways, and leaves every row as it was', async () => {
    const before = await d.owner(rowCounts);
    const r = await selfTest();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^playlist_notes\s+ok\s+ok\s+ok\s+ok\s+ok\s+ok\s+ok\s+ok$/m);
    expect(r.stdout).toMatch(/^audit_logs\s+ok\s+ok\s+n\/a\s+ok\s+n\/a\s+ok\s+ok\s+ok$/m);
    expect(r.stdout).toContain(`isolation between ${a.subdomain} and ${b.subdomain} passed`);
    const after = await d.owner(rowCounts);
    // The only trace: one audit row per tenant saying the self-test ran.
    expect(after).toEqual({ ...before, audit_logs: before.audit_logs! + 2 });
    const audit = await d.owner((db) => rows<{ action: string; changes: unknown }>(db, sql`select action, changes from audit_logs where action = 'tenant.isolation_test'`));
    expect(audit).toEqual([
      { action: 'tenant.isolation_test', changes: { passed: { after: true } } },
      { action: 'tenant.isolation_test', changes: { passed: { after: true } } },
    ]);
  }, SLOW);

  it('fails when one table gets a permissive USING (true) policy', async () => {
    await d.owner((db) => db.execute(sql`create policy anyone on playlist_notes using (true)`));
    try {
      const r = await selfTest('--json');
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout) as IsolationReport;
      expect(report.ok).toBe(false);
      const failed = failures(report);
      expect(new Set(failed.map((p) => p.table))).toEqual(new Set(['playlist_notes']));
      expect(new Set(failed.map((p) => p.probe))).toEqual(new Set(['read other', 'update other', 'delete other', 'insert other']));
      expect(new Set(failed.map((p) => p.as))).toEqual(new Set([a.subdomain, b.subdomain]));
    } finally {
      await d.owner((db) => db.execute(sql`drop policy anyone on playlist_notes`));
    }
  }, SLOW);

  it('fails when RLS is disabled on a table chosen from the catalog', async () => {
    const table = await d.owner(async (db) => {
      const [row] = await rows<{ table: string }>(db, sql`select c.relname as table from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind = 'r' and c.relname not in ('playlist_notes', 'audit_logs')
          and exists (select 1 from pg_attribute x where x.attrelid = c.oid and x.attname = 'tenant_id')
        order by md5(c.relname || ${a.id}) limit 1`);
      await db.execute(sql`alter table ${sql.identifier(row!.table)} disable row level security`);
      return row!.table;
    });
    try {
      const r = await selfTest();
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`^${table}\\s.*FAIL`, 'm'));
      expect(r.stdout).toMatch(new RegExp(`^FAIL ${table}: read other as ${a.subdomain}: sees rows of ${b.subdomain}$`, 'm'));
      expect(r.stdout).toMatch(new RegExp(`^FAIL ${table}: rls: row level security is disabled`, 'm'));
      expect(r.stdout).toContain('FAILED');
    } finally {
      await d.owner((db) => db.execute(sql`alter table ${sql.identifier(table)} enable row level security`));
    }
    expect((await d.cli(['rls', 'validate'])).code).toBe(0);
  }, SLOW);

  it('refuses the same tenant twice and an unknown tenant with one line, exit 2', async () => {
    const same = await d.cli(['test-tenant-isolation', '--tenant1', a.subdomain, '--tenant2', a.subdomain]);
    expect(same.code).toBe(2);
    expect(same.stderr.trim().split('\n')).toHaveLength(1);
    const unknown = await d.cli(['test-tenant-isolation', '--tenant1', a.subdomain, '--tenant2', 'nobody-here']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no tenant "nobody-here"/);
  }, SLOW);
});
