import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/rows.js';
import { assets, auditLogs, tenants, users } from '../../src/db/schema/index.js';
import { dbError } from '../support/db-error.js';
import { type Harness, type SeededTenant, startHarness } from '../support/harness.js';

let h: Harness;
let a: SeededTenant;
let b: SeededTenant;

const newAsset = (tenantId: string, name: string) => ({
  tenantId,
  name,
  uri: 'https://example.test/a.png',
  mimetype: 'image',
});

beforeAll(async () => {
  h = await startHarness();
  [a, b] = [await h.seedTenant(), await h.seedTenant()];
  await h.asTenant(a.id, (tx) => tx.insert(assets).values([newAsset(a.id, 'a1'), newAsset(a.id, 'a2')]));
  await h.asTenant(b.id, (tx) => tx.insert(assets).values(newAsset(b.id, 'b1')));
});
afterAll(() => h?.close());

describe('row-level security at the SQL level', () => {
  it('shows each tenant only its own rows', async () => {
    const seenByA = await h.asTenant(a.id, (tx) => tx.select({ name: assets.name, t: assets.tenantId }).from(assets));
    const seenByB = await h.asTenant(b.id, (tx) => tx.select({ name: assets.name, t: assets.tenantId }).from(assets));
    expect(seenByA.map((r) => r.name).sort()).toEqual(['a1', 'a2']);
    expect(seenByA.every((r) => r.t === a.id)).toBe(true);
    expect(seenByB.map((r) => r.name)).toEqual(['b1']);
  });

  it('fails closed: with no tenant set a tenant table shows zero rows, without an error', async () => {
    const seen = await h.asTenant(null, (tx) => tx.select().from(assets));
    expect(seen).toEqual([]);
    const audit = await h.asTenant(null, (tx) => tx.select().from(auditLogs));
    expect(audit).toEqual([]);
  });

  it("refuses an INSERT that names another tenant's id (WITH CHECK)", async () => {
    expect(await dbError(h.asTenant(a.id, (tx) => tx.insert(assets).values(newAsset(b.id, 'sneaky'))))).toMatch(/row-level security/);
  });

  it("refuses an UPDATE that moves a row to another tenant, and touches zero rows of another's", async () => {
    expect(await dbError(
      h.asTenant(a.id, (tx) => tx.update(assets).set({ tenantId: b.id }).where(eq(assets.name, 'a1'))),
    )).toMatch(/row-level security/);
    const updated = await h.asTenant(a.id, (tx) =>
      tx.update(assets).set({ name: 'hijacked' }).where(eq(assets.tenantId, b.id)).returning({ id: assets.id }),
    );
    const deleted = await h.asTenant(a.id, (tx) =>
      tx.delete(assets).where(eq(assets.tenantId, b.id)).returning({ id: assets.id }),
    );
    expect(updated).toHaveLength(0);
    expect(deleted).toHaveLength(0);
    const bRows = await h.asTenant(b.id, (tx) => tx.select({ name: assets.name }).from(assets));
    expect(bRows).toEqual([{ name: 'b1' }]);
  });

  it('keeps audit_logs append-only for the runtime role', async () => {
    await h.asTenant(a.id, (tx) =>
      tx.insert(auditLogs).values({ tenantId: a.id, actorType: 'system', action: 'test.append' }),
    );
    expect(await dbError(h.asTenant(a.id, (tx) => tx.update(auditLogs).set({ action: 'rewritten' })))).toMatch(/permission denied/);
    expect(await dbError(h.asTenant(a.id, (tx) => tx.delete(auditLogs)))).toMatch(/permission denied/);
  });

  it('lets the runtime role see only the current tenant, and only member users', async () => {
    const visible = await h.asTenant(a.id, (tx) => tx.select({ id: tenants.id }).from(tenants));
    expect(visible).toEqual([{ id: a.id }]);
    const none = await h.asTenant(null, (tx) => tx.select({ id: tenants.id }).from(tenants));
    expect(none).toEqual([]);
    const people = await h.asTenant(a.id, (tx) => tx.select({ id: users.id }).from(users));
    expect(people).toEqual([{ id: a.ownerId }]);
    expect(await dbError(h.asTenant(a.id, (tx) => tx.select().from(users)))).toMatch(/permission denied/);
  });

  it('cannot change its own plan or status, only the settings columns', async () => {
    expect(await dbError(h.asTenant(a.id, (tx) => tx.update(tenants).set({ plan: 'enterprise' })))).toMatch(/permission denied/);
    expect(await dbError(h.asTenant(a.id, (tx) => tx.update(tenants).set({ status: 'active' })))).toMatch(/permission denied/);
  });

  it('keeps the settings transaction-local', async () => {
    await h.asTenant(a.id, async () => undefined);
    const [after] = await rows<{ tenant: string | null; role: string }>(
      h.runtime,
      sql`select current_setting('app.current_tenant_id', true) as tenant, current_user as role`,
    );
    expect(after?.tenant ?? '').toBe('');
    expect(after?.role).not.toBe('anthias_app');
  });
});
