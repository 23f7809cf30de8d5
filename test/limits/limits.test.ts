import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, type GqlResult, type Harness, startHarness } from '../support/harness.js';

const LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }';
const CLAIM = 'mutation($code: String!) { claimDevice(pairingCode: $code, name: "Screen") { device { id } } }';

/** A 429 tells the client when to come back and how the limit stands. */
function expectLimitHeaders(r: GqlResult): void {
  expect(r.status).toBe(429);
  expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(Number(r.headers.get('ratelimit-limit'))).toBeGreaterThan(0);
  expect(r.headers.get('ratelimit-remaining')).toBe('0');
  expect(Number(r.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
}

describe('limits are counted first, atomically, then checked', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LOGIN_FAILURES_PER_EMAIL: '10', LOGIN_FAILURES_PER_ADDRESS: '1000' });
  });
  afterAll(() => h?.close());

  it('100 concurrent wrong passwords for one email: at most 10 are checked, the rest are refused with 429', async () => {
    const t = await h.seedTenant();
    const results = await Promise.all(Array.from({ length: 100 }, () => h.gql(LOGIN, { e: t.ownerEmail, p: 'Wrong-password-1' })));
    const outcome = results.map((r) => codes(r)[0]);
    const checked = outcome.filter((c) => c === 'UNAUTHENTICATED').length;
    expect(checked).toBeGreaterThanOrEqual(1);
    expect(checked).toBeLessThanOrEqual(10);
    expect(outcome.filter((c) => c === 'RATE_LIMITED').length).toBe(100 - checked);
    for (const r of results.filter((x) => codes(x)[0] === 'RATE_LIMITED')) expectLimitHeaders(r);
  });

  it('200 concurrent wrong pairing codes from one tenant: at most 20 are checked', async () => {
    const t = await h.seedTenant();
    const token = await h.login(t.ownerEmail);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => h.gql(CLAIM, { code: `WRONG-${i}` }, { token, tenant: t.subdomain })),
    );
    const outcome = results.map((r) => codes(r)[0]);
    const checked = outcome.filter((c) => c === 'BAD_USER_INPUT').length;
    expect(checked).toBeGreaterThanOrEqual(1);
    expect(checked).toBeLessThanOrEqual(20);
    expect(outcome.filter((c) => c === 'RATE_LIMITED').length).toBe(200 - checked);
    for (const r of results.filter((x) => codes(x)[0] === 'RATE_LIMITED')) expectLimitHeaders(r);
  });
});

describe('anonymous traffic', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ ANONYMOUS_REQUESTS_PER_MINUTE: '20' });
  });
  afterAll(() => h?.close());

  it("never spends a tenant's request limit: its owner is still served", async () => {
    const t = await h.seedTenant();
    await h.admin.execute(sql`update tenants set requests_per_minute = 5 where id = ${t.id}`);
    await h.app.deps.directory.invalidate(h.admin, { id: t.id, subdomains: [t.subdomain] });
    const token = await h.login(t.ownerEmail);
    for (let i = 0; i < 12; i++) {
      await h.gql('{ __typename }', {}, { tenant: t.subdomain, headers: { 'x-forwarded-for': `198.51.100.${i + 1}` } });
    }
    const owner = await h.gql('{ currentTenant { plan } }', {}, { token, tenant: t.subdomain });
    expect(owner.status).toBe(200);
    expect(codes(owner)).toEqual([]);
  });

  it('is limited per address: past the limit one address gets 429, another is served', async () => {
    const address = `203.0.113.${Math.floor(Math.random() * 200) + 1}`;
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await h.gql('{ __typename }', {}, { headers: { 'x-forwarded-for': address } })).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(5);
    const refused = await h.gql('{ __typename }', {}, { headers: { 'x-forwarded-for': address } });
    expectLimitHeaders(refused);
    expect(codes(refused)).toEqual(['RATE_LIMITED']);
    const other = await h.gql('{ __typename }', {}, { headers: { 'x-forwarded-for': `192.0.2.${Math.floor(Math.random() * 200) + 1}` } });
    expect(other.status).toBe(200);
  });
});
