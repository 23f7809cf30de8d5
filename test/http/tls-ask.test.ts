import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantDomains } from '../../src/db/schema/index.js';
import { setTenantStatus } from '../../src/modules/tenants/tenant-admin.service.js';
import { type Harness, type SeededTenant, startHarness, uniq } from '../support/harness.js';

let h: Harness;
let a: SeededTenant;
const BASE = 'signage.test';

beforeAll(async () => {
  h = await startHarness();
  a = await h.seedTenant();
});
afterAll(() => h?.close());

const ask = async (domain?: string) => {
  const query = domain === undefined ? '' : `?domain=${encodeURIComponent(domain)}`;
  return (await h.app.internal.inject({ method: 'GET', url: `/tls/ask${query}` })).statusCode;
};

describe('GET /tls/ask on the internal server (Caddy on-demand TLS)', () => {
  it('allows a verified custom domain of an active tenant, and not a pending or unknown one', async () => {
    const verified = `${uniq('signs')}.example.org`;
    const pending = `${uniq('pending')}.example.org`;
    await h.admin.insert(tenantDomains).values([
      { tenantId: a.id, hostname: verified, verificationToken: 'v', verifiedAt: new Date() },
      { tenantId: a.id, hostname: pending, verificationToken: 'p' },
    ]);
    expect(await ask(verified)).toBe(200);
    expect(await ask(verified.toUpperCase())).toBe(200);
    expect(await ask(pending)).toBe(404);
    expect(await ask(`${uniq('nobody')}.example.org`)).toBe(404);
  });

  it("allows an active tenant's subdomain of BASE_DOMAIN, and nothing else under it", async () => {
    expect(await ask(`${a.subdomain}.${BASE}`)).toBe(200);
    for (const refused of [`${uniq('nobody')}.${BASE}`, `www.${BASE}`, BASE, `x.${a.subdomain}.${BASE}`, 'localhost', '127.0.0.1']) {
      expect(await ask(refused), refused).toBe(404);
    }
  });

  it('refuses a suspended tenant at once, domain and subdomain alike', async () => {
    const c = await h.seedTenant();
    const domain = `${uniq('screens')}.example.net`;
    await h.admin.insert(tenantDomains).values({ tenantId: c.id, hostname: domain, verificationToken: 'v', verifiedAt: new Date() });
    expect(await ask(domain)).toBe(200); // now cached
    await setTenantStatus(h.admin, h.app.deps.directory, c.subdomain, 'suspended', 'unpaid');
    expect(await ask(domain)).toBe(404);
    expect(await ask(`${c.subdomain}.${BASE}`)).toBe(404);
  });

  it('answers 400 to a missing or malformed domain', async () => {
    for (const bad of [undefined, '', 'bad host', 'ünïcode.example.org', 'x'.repeat(254), '%00.example.org']) {
      expect(await ask(bad), String(bad)).toBe(400);
    }
  });

  it('is not served on the public port', async () => {
    const res = await fetch(h.url.replace('/graphql', `/tls/ask?domain=${a.subdomain}.${BASE}`));
    expect(res.status).toBe(404);
  });
});
