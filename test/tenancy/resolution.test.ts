import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantDomains } from '../../src/db/schema/index.js';
import { renameSubdomain, setTenantStatus } from '../../src/modules/tenants/tenant-admin.service.js';
import { codes, type Harness, type SeededTenant, startHarness, uniq } from '../support/harness.js';

let h: Harness;
let a: SeededTenant;
let b: SeededTenant;
const BASE = 'signage.test';
const QUERY = '{ currentTenant { id subdomain } }';

beforeAll(async () => {
  h = await startHarness();
  [a, b] = [await h.seedTenant(), await h.seedTenant()];
});
afterAll(() => h?.close());

const current = async (opts: Parameters<Harness['gql']>[2]) => {
  const r = await h.gql<{ currentTenant: { id: string; subdomain: string } | null }>(QUERY, {}, opts);
  return { status: r.status, tenant: r.body.data?.currentTenant ?? null, codes: codes(r) };
};

describe('tenant resolution', () => {
  it('resolves by subdomain of BASE_DOMAIN', async () => {
    expect((await current({ host: `${a.subdomain}.${BASE}` })).tenant?.id).toBe(a.id);
  });

  it('resolves by X-Tenant-ID as a uuid or as a subdomain', async () => {
    expect((await current({ tenant: b.id })).tenant?.subdomain).toBe(b.subdomain);
    expect((await current({ tenant: b.subdomain })).tenant?.id).toBe(b.id);
  });

  it('resolves by a verified custom domain only', async () => {
    const verified = `${uniq('signs')}.example.org`;
    const pending = `${uniq('pending')}.example.org`;
    await h.admin.insert(tenantDomains).values([
      { tenantId: a.id, hostname: verified, verificationToken: 'v', verifiedAt: new Date() },
      { tenantId: a.id, hostname: pending, verificationToken: 'p' },
    ]);
    expect((await current({ host: verified })).tenant?.id).toBe(a.id);
    expect((await current({ host: `${verified}:8443` })).tenant?.id).toBe(a.id);
    expect((await current({ host: pending })).tenant).toBeNull();
  });

  it('lets the host win over X-Tenant-ID', async () => {
    expect((await current({ host: `${a.subdomain}.${BASE}`, tenant: b.id })).tenant?.id).toBe(a.id);
  });

  it('has no tenant for a bare host and no header', async () => {
    const r = await current({});
    expect(r.status).toBe(200);
    expect(r.tenant).toBeNull();
  });

  it('refuses an unknown subdomain or X-Tenant-ID with TENANT_NOT_FOUND (404)', async () => {
    for (const opts of [{ host: `nobody-here.${BASE}` }, { tenant: 'nobody-here' }, { tenant: '00000000-0000-4000-8000-000000000000' }]) {
      const r = await current(opts);
      expect(r.status).toBe(404);
      expect(r.codes).toEqual(['TENANT_NOT_FOUND']);
    }
  });

  it('refuses a suspended tenant with TENANT_SUSPENDED (403), at once, and lets it back after reactivation', async () => {
    const c = await h.seedTenant();
    expect((await current({ tenant: c.subdomain })).tenant?.id).toBe(c.id); // now cached
    await setTenantStatus(h.admin, h.app.deps.directory, c.subdomain, 'suspended', 'unpaid');
    for (const opts of [{ tenant: c.subdomain }, { tenant: c.id }, { host: `${c.subdomain}.${BASE}` }]) {
      const r = await current(opts);
      expect(r.status).toBe(403);
      expect(r.codes).toEqual(['TENANT_SUSPENDED']);
    }
    await setTenantStatus(h.admin, h.app.deps.directory, c.subdomain, 'active');
    expect((await current({ tenant: c.subdomain })).tenant?.id).toBe(c.id);
  });

  it('drops a cached resolution when the subdomain changes', async () => {
    const c = await h.seedTenant();
    expect((await current({ host: `${c.subdomain}.${BASE}` })).tenant?.id).toBe(c.id);
    const renamed = uniq('r');
    await renameSubdomain(h.admin, h.app.deps.directory, c.subdomain, renamed);
    expect((await current({ host: `${c.subdomain}.${BASE}` })).codes).toEqual(['TENANT_NOT_FOUND']);
    expect((await current({ host: `${renamed}.${BASE}` })).tenant?.id).toBe(c.id);
    expect((await current({ tenant: c.id })).tenant?.subdomain).toBe(renamed);
  });

  it('shows each tenant only itself through GraphQL', async () => {
    expect((await current({ tenant: a.subdomain })).tenant).toEqual({ id: a.id, subdomain: a.subdomain });
    expect((await current({ tenant: b.subdomain })).tenant).toEqual({ id: b.id, subdomain: b.subdomain });
  });
});
