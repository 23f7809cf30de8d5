import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assets, auditLogs, devices } from '../../../src/db/schema/index.js';
import { setPlan } from '../../../src/modules/tenants/tenant-admin.service.js';
import { codes, type Harness, type SeededTenant, startHarness, uniq } from '../../support/harness.js';
import { outbox } from '../../support/outbox.js';
import { anAsset, CREATE_API_KEY, CREATE_ASSET } from '../../support/operations.js';
import { CREATE_DEVICE } from '../../support/devices.js';

const USAGE = '{ currentTenant { limits { maxAssets maxUsers maxDevices requestsPerMinute } usage { assets devices users pendingInvitations } } }';
const INVITE = 'mutation($email: String!) { inviteMember(email: $email, role: viewer) { id } }';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { mailer: outbox() });
});
afterAll(() => h?.close());

async function tenantAt(limits: { maxAssets?: number; maxUsers?: number; maxDevices?: number }): Promise<SeededTenant & { token: string }> {
  const t = await h.seedTenant({ plan: 'basic' });
  await setPlan(h.admin, h.app.deps.directory, t.subdomain, { plan: 'basic', ...limits });
  return { ...t, token: await h.login(t.ownerEmail) };
}

const parallel = <T>(n: number, fn: (i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => fn(i)));

describe('quotas hold under concurrency', () => {
  it('assets: 20 parallel creates at limit − 1 leave exactly the limit', async () => {
    const t = await tenantAt({ maxAssets: 10 });
    await h.admin.insert(assets).values(Array.from({ length: 9 }, (_, i) => ({ tenantId: t.id, name: `a${i}`, uri: 'https://x.test/', mimetype: 'image' })));
    const results = await parallel(20, (i) => h.gql(CREATE_ASSET, { input: anAsset({ name: `p${i}` }) }, { token: t.token, tenant: t.subdomain }));
    const outcomes = results.map((r) => codes(r)[0] ?? 'ok');
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'QUOTA_EXCEEDED')).toHaveLength(19);
    const refused = results.find((r) => codes(r)[0] === 'QUOTA_EXCEEDED')!;
    expect(refused.body.errors![0]!.extensions).toMatchObject({ resource: 'assets', limit: 10, usage: 10 });
    const usage = await h.gql<{ currentTenant: { usage: { assets: number }; limits: { maxAssets: number } } }>(USAGE, {}, { token: t.token, tenant: t.subdomain });
    expect(usage.body.data!.currentTenant.usage.assets).toBe(10);
    expect(usage.body.data!.currentTenant.limits.maxAssets).toBe(10);
    // Only the create that fitted left an audit row (the refused ones' inserts, sent with the quota check, rolled back).
    const audited = await h.admin.select().from(auditLogs).where(and(eq(auditLogs.tenantId, t.id), eq(auditLogs.action, 'asset.create')));
    expect(audited).toHaveLength(1);
  });

  it('devices: 20 parallel creates at limit − 1 leave exactly the limit', async () => {
    const t = await tenantAt({ maxDevices: 5 });
    await h.admin.insert(devices).values(Array.from({ length: 4 }, (_, i) => ({ tenantId: t.id, name: `d${i}` })));
    const results = await parallel(20, (i) => h.gql(CREATE_DEVICE, { input: { name: `p${i}` } }, { token: t.token, tenant: t.subdomain }));
    expect(results.filter((r) => codes(r).length === 0)).toHaveLength(1);
    expect(results.filter((r) => codes(r)[0] === 'QUOTA_EXCEEDED')).toHaveLength(19);
    const rows = await h.admin.select().from(devices);
    expect(rows.filter((d) => d.tenantId === t.id)).toHaveLength(5);
  });

  it('users: pending invitations hold seats; 20 parallel invitations at limit − 1 leave exactly the limit', async () => {
    const t = await tenantAt({ maxUsers: 3 });
    await h.addMember(t.id, 'viewer'); // owner + 1 = 2 seats
    const results = await parallel(20, () => h.gql(INVITE, { email: `${uniq('seat')}@example.test` }, { token: t.token, tenant: t.subdomain }));
    expect(results.filter((r) => codes(r).length === 0)).toHaveLength(1);
    expect(results.filter((r) => codes(r)[0] === 'QUOTA_EXCEEDED')).toHaveLength(19);
    const usage = await h.gql<{ currentTenant: { usage: { users: number; pendingInvitations: number } } }>(USAGE, {}, { token: t.token, tenant: t.subdomain });
    expect(usage.body.data!.currentTenant.usage).toMatchObject({ users: 3, pendingInvitations: 1 });
  });

  it('plan defaults apply unless overridden, and set-plan changes them', async () => {
    const t = await h.seedTenant({ plan: 'basic' });
    const token = await h.login(t.ownerEmail);
    const limits = async () => (await h.gql<{ currentTenant: { limits: Record<string, number> } }>(USAGE, {}, { token, tenant: t.subdomain })).body.data!.currentTenant.limits;
    expect(await limits()).toEqual({ maxAssets: 100, maxUsers: 5, maxDevices: 10, requestsPerMinute: 600 });
    await setPlan(h.admin, h.app.deps.directory, t.subdomain, { plan: 'enterprise', maxDevices: 7 });
    expect(await limits()).toEqual({ maxAssets: 10_000, maxUsers: 250, maxDevices: 7, requestsPerMinute: 12_000 });
  });

  it('a viewer reads limits and usage; an anonymous caller does not', async () => {
    const t = await h.seedTenant();
    const viewer = await h.login((await h.addMember(t.id, 'viewer')).email);
    expect(codes(await h.gql(USAGE, {}, { token: viewer, tenant: t.subdomain }))).toEqual([]);
    expect(codes(await h.gql(USAGE, {}, { tenant: t.subdomain }))).toContain('UNAUTHENTICATED');
  });
});

describe('requests per minute', () => {
  it('is per tenant, whatever the key, and answers 429 RATE_LIMITED past the limit', async () => {
    const t = await h.seedTenant();
    await h.admin.execute(sql`update tenants set requests_per_minute = 5 where id = ${t.id}`);
    await h.app.deps.directory.invalidate(h.admin, { id: t.id, subdomains: [t.subdomain] });
    const owner = await h.login(t.ownerEmail);
    const keys: string[] = [owner];
    for (const name of ['one', 'two']) {
      const created = await h.gql<{ createApiKey: { secret: string } }>(CREATE_API_KEY, { input: { name, permissions: ['assets.view'] } }, { token: owner, tenant: t.subdomain });
      keys.push(created.body.data!.createApiKey.secret);
    }
    const statuses: number[] = [];
    // 11 requests against a limit of 5, spread over three credentials: even if the calendar-minute
    // window rolls over once mid-loop, one side of it still sees more than 5.
    for (let i = 0; i < 11; i++) statuses.push((await h.gql('{ currentTenant { id } }', {}, { token: keys[i % 3], tenant: t.subdomain })).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    const other = await h.seedTenant();
    const otherOwner = await h.login(other.ownerEmail);
    expect((await h.gql('{ currentTenant { id } }', {}, { token: otherOwner, tenant: other.subdomain })).status).toBe(200);
  });
});
