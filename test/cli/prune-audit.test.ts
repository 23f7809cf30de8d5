import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { rows } from '../../src/db/rows.js';
import { createTenant } from '../../src/modules/tenants/tenant-admin.service.js';
import { type CliDatabase, cliDatabase } from '../support/cli-database.js';
import { uniq } from '../support/harness.js';

const target = inject('testDatabase');
let cli: CliDatabase;
const tenants: Record<'a' | 'b', { id: string; subdomain: string }> = { a: { id: '', subdomain: '' }, b: { id: '', subdomain: '' } };

/** Audit rows of a tenant by age in days. */
const seedTrail = (db: Database, tenantId: string, ages: number[]) =>
  db.execute(sql`insert into audit_logs (tenant_id, actor_type, action, created_at)
    select ${tenantId}::uuid, 'system', 'test.seeded', now() - make_interval(days => age)
    from unnest(${`{${ages.join(',')}}`}::int[]) as age`);

const trail = (db: Database, tenantId: string) =>
  rows<{ action: string; old: boolean }>(db, sql`select action, created_at < now() - interval '30 days' as old from audit_logs where tenant_id = ${tenantId} order by created_at`);

beforeAll(async () => {
  cli = await cliDatabase();
  await cli.owner(async (db) => {
    for (const key of ['a', 'b'] as const) {
      const subdomain = uniq(key);
      const { tenantId } = await createTenant(db, { name: subdomain, subdomain, plan: 'professional', ownerEmail: `${subdomain}@example.test`, ownerPassword: 'Corr3ct-Horse-Battery' });
      tenants[key] = { id: tenantId, subdomain };
      await seedTrail(db, tenantId, [400, 90, 31, 29, 1]);
    }
  });
});
afterAll(() => cli?.close());

it.each([
  ['zero days', ['--older-than', '0'], /older-than: must be a whole number of days/],
  ['a negative age', ['--older-than', '-5'], /older-than: must be a whole number of days|unknown option/],
  ['a word', ['--older-than', 'month'], /older-than: must be a whole number of days/],
  ['an unknown tenant', ['--older-than', '30', '--tenant', 'no-such-tenant'], /no tenant "no-such-tenant"/],
])('refuses %s with exit 2 and removes nothing', async (_, args, message) => {
  const r = await cli.cli(['prune-audit', ...args]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(message);
  await cli.owner(async (db) => {
    expect((await trail(db, tenants.a.id)).filter((r) => r.action === 'test.seeded')).toHaveLength(5);
  });
});

it('one tenant: removes its rows older than the cutoff, keeps the rest and every other tenant, and records itself', async () => {
  const r = await cli.cli(['prune-audit', '--older-than', '30', '--tenant', tenants.a.subdomain, '--json']);
  expect(r.code).toBe(0);
  const summary = JSON.parse(r.stdout);
  expect(summary).toMatchObject({ olderThanDays: 30, removed: 3, tenants: [{ id: tenants.a.id, removed: 3 }] });
  await cli.owner(async (db) => {
    const a = await trail(db, tenants.a.id);
    expect(a.filter((r) => r.action === 'test.seeded')).toEqual([{ action: 'test.seeded', old: false }, { action: 'test.seeded', old: false }]);
    const [pruned] = await rows<{ actor_type: string; changes: Record<string, { after: unknown }> }>(db, sql`select actor_type, changes from audit_logs where tenant_id = ${tenants.a.id} and action = 'audit.prune'`);
    expect(pruned?.actor_type).toBe('system');
    expect(pruned?.changes.removed?.after).toBe(3);
    expect((await trail(db, tenants.b.id)).filter((r) => r.action === 'test.seeded')).toHaveLength(5);
  });
});

it('every tenant: prunes each, and a second run removes nothing and leaves no row', async () => {
  const r = await cli.cli(['prune-audit', '--older-than', '30']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^3 audit rows older than .* removed from 1 tenants\n$/);
  const again = await cli.cli(['prune-audit', '--older-than', '30', '--json']);
  expect(JSON.parse(again.stdout)).toMatchObject({ removed: 0, tenants: [] });
  await cli.owner(async (db) => {
    for (const t of [tenants.a, tenants.b]) {
      const left = await trail(db, t.id);
      expect(left.some((r) => r.old)).toBe(false);
      expect(left.filter((r) => r.action === 'audit.prune')).toHaveLength(1);
    }
  });
});

it.runIf(target.engine === 'postgres')('the runtime role still cannot delete audit rows, even its own tenant\'s', async () => {
  const runtime = postgres(cli.env.DATABASE_URL ?? '', { max: 1, onnotice: () => {} });
  try {
    const attempt = runtime.begin(async (tx) => {
      await tx`select set_config('app.current_tenant_id', ${tenants.a.id}, true)`;
      await tx`delete from audit_logs where tenant_id = ${tenants.a.id}`;
    });
    await expect(attempt).rejects.toMatchObject({ code: '42501' });
  } finally {
    await runtime.end();
  }
});
