import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { rows } from '../../src/db/rows.js';
import { assets } from '../../src/db/schema/index.js';
import { withTenantTransaction } from '../../src/tenancy/tenant-transaction.js';
import { dbError } from '../support/db-error.js';
import { type Harness, type SeededTenant, startHarness } from '../support/harness.js';

let h: Harness;
let single: DatabaseHandle | undefined;
let a: SeededTenant;
let b: SeededTenant;

beforeAll(async () => {
  h = await startHarness();
  [a, b] = [await h.seedTenant(), await h.seedTenant()];
  for (const t of [a, b]) {
    await h.asTenant(t.id, (tx) =>
      tx.insert(assets).values({ tenantId: t.id, name: `only-${t.id}`, uri: 'https://x.test/', mimetype: 'webpage' }),
    );
  }
  const config = h.app.deps.config;
  // PGlite is one connection already; PostgreSQL gets a pool of exactly one.
  if (config.db.url) single = await openDatabase({ ...config.db, poolSize: 1 });
});
afterAll(async () => {
  await single?.close();
  await h?.close();
});

it('1000 transactions alternating tenants on one connection each see only their own rows', async () => {
  const db = single?.db ?? h.runtime;
  const tenants = [a, b];
  const mismatches: string[] = [];
  // Batches of 10 run concurrently, so they queue for the one connection and interleave.
  for (let batch = 0; batch < 100; batch++) {
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const n = batch * 10 + i;
        const t = tenants[n % 2]!;
        const seen = await withTenantTransaction(db, { tenantId: t.id, readOnly: n % 3 === 0 }, async (tx) => {
          const names = await tx.select({ name: assets.name }).from(assets);
          const [setting] = await rows<{ v: string }>(tx, sql`select current_setting('app.current_tenant_id') as v`);
          return { names: names.map((r) => r.name), setting: setting?.v };
        });
        if (seen.setting !== t.id || seen.names.join() !== `only-${t.id}`) mismatches.push(`${n}: ${JSON.stringify(seen)}`);
      }),
    );
  }
  expect(mismatches).toEqual([]);
  const [outside] = await rows<{ v: string | null }>(db, sql`select current_setting('app.current_tenant_id', true) as v`);
  expect(outside?.v ?? '').toBe('');
});

it('a read-only transaction cannot write', async () => {
  expect(await dbError(
    withTenantTransaction(h.runtime, { tenantId: a.id, readOnly: true }, (tx) =>
      tx.insert(assets).values({ tenantId: a.id, name: 'ro', uri: 'https://x.test/', mimetype: 'webpage' }),
    ),
  )).toMatch(/read-only/);
});
