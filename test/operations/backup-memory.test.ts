import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rows } from '../../src/db/rows.js';
import { archiveManifest } from '../support/archive.js';
import { type CliDatabase, cliDatabase } from '../support/cli-database.js';
import { addTenantTable, newTenant, type Seeded, tenantFingerprint } from '../support/tenant-data.js';

// A tenant larger than the heap the CLI is given: only a backup that streams can write it.
// Old space 64 MB, young space small: the whole heap stays under 70 MB on Node 20 and 24 alike (Node 24's default young space alone is 192 MB).
const HEAP = { NODE_OPTIONS: '--max-old-space-size=64 --max-semi-space-size=1' };
const TENANT_BYTES = 100 * 1024 * 1024;
const SLOW = 600_000;

let d: CliDatabase;
let dir: string;
let t: Seeded;

beforeAll(async () => {
  d = await cliDatabase();
  dir = mkdtempSync(join(tmpdir(), 'anthias-big-'));
  await d.owner(async (db) => {
    t = await newTenant(db, 'big');
    await addTenantTable(db, sql`create table big_documents (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null references tenants(id) on delete cascade,
      body text not null)`);
    // 3,300 rows of 32 KiB: 108 MB of text, generated set-based in SQL.
    await db.execute(sql`insert into big_documents (tenant_id, body)
      select ${t.id}, repeat(md5(g::text), 1024) from generate_series(1, 3300) g`);
    const [size] = await rows<{ bytes: number }>(db, sql`select sum(octet_length(body))::bigint::float8 as bytes from big_documents where tenant_id = ${t.id}`);
    expect(size!.bytes).toBeGreaterThan(TENANT_BYTES);
  });
}, SLOW);
afterAll(async () => {
  await d?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('the child processes really run with a 64 MB heap', () => {
  const limit = Number(execFileSync(process.execPath, ['-p', 'require("v8").getHeapStatistics().heap_size_limit'], { env: { ...process.env, ...HEAP } }).toString());
  expect(limit).toBeLessThan(128 * 1024 * 1024);
});

it('backs up and restores a tenant of more than 100 MB with a 64 MB heap', async () => {
  const file = join(dir, 'big.tar.gz');
  const backup = await d.cli(['backup-tenant', t.subdomain, '--out', file], HEAP, SLOW);
  expect(backup.code, backup.stderr).toBe(0);
  const part = (await archiveManifest(file)).tables.find((p) => p.table === 'big_documents')!;
  expect(part.rows).toBe(3300);
  expect(part.bytes).toBeGreaterThan(TENANT_BYTES);

  const before = await d.owner((db) => tenantFingerprint(db, t.id));
  await d.owner((db) => db.execute(sql`delete from big_documents where tenant_id = ${t.id} and id in (select id from big_documents limit 100)`));
  const restore = await d.cli(['restore-tenant-backup', file, '--confirm-restore'], HEAP, SLOW);
  expect(restore.code, restore.stderr).toBe(0);
  const after = await d.owner((db) => tenantFingerprint(db, t.id));
  expect(after.big_documents).toBe(before.big_documents);
}, SLOW * 2);
