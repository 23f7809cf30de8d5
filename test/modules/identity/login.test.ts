import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantUsers } from '../../../src/db/schema/index.js';
import { codes, type Harness, PASSWORD, type SeededTenant, startHarness, uniq } from '../../support/harness.js';

let h: Harness;
let a: SeededTenant;
let b: SeededTenant;

const LOGIN = `mutation($e: String!, $p: String!) {
  login(email: $e, password: $p) { token expiresAt user { id email } memberships { tenantId subdomain role isActive } }
}`;
const ME = '{ me { user { id email } memberships { subdomain role isActive } permissions } }';

type LoginOut = { login: { token: string; expiresAt: string; user: { id: string }; memberships: { subdomain: string; role: string }[] } };

beforeAll(async () => {
  h = await startHarness({ LOGIN_FAILURES_PER_EMAIL: '6', LOGIN_FAILURES_PER_ADDRESS: '30' });
  [a, b] = [await h.seedTenant(), await h.seedTenant()];
});
afterAll(() => h?.close());

const attempt = (email: string, password: string, ip?: string) =>
  h.gql<LoginOut>(LOGIN, { e: email, p: password }, ip ? { headers: { 'x-forwarded-for': ip } } : {});

describe('login, me and logout', () => {
  it('returns an opaque token, its expiry, the user and every membership', async () => {
    await h.admin.insert(tenantUsers).values({ tenantId: b.id, userId: a.ownerId, role: 'viewer' });
    const r = await attempt(a.ownerEmail.toUpperCase(), PASSWORD);
    expect(codes(r)).toEqual([]);
    const s = r.body.data!.login;
    expect(s.token).toMatch(/^anthias_st_[A-Za-z0-9_-]{43}$/);
    expect(new Date(s.expiresAt).getTime()).toBeGreaterThan(Date.now());
    expect(s.user.id).toBe(a.ownerId);
    expect(s.memberships.map((m) => [m.subdomain, m.role]).sort()).toEqual(
      [[a.subdomain, 'owner'], [b.subdomain, 'viewer']].sort(),
    );
    const meA = await h.gql<{ me: { permissions: string[] } }>(ME, {}, { token: s.token, tenant: a.subdomain });
    expect(meA.body.data!.me.permissions).toContain('tenant.manage');
    const meB = await h.gql<{ me: { permissions: string[] } }>(ME, {}, { token: s.token, tenant: b.subdomain });
    expect(meB.body.data!.me.permissions).toEqual(['assets.view', 'audit.view', 'devices.view', 'members.view', 'qr.view']);
    expect(codes(await h.gql('mutation { logout }', {}, { token: s.token }))).toEqual([]);
    expect(codes(await h.gql(ME, {}, { token: s.token }))).toEqual(['UNAUTHENTICATED']);
  });

  it('answers a signed-in caller who names an organisation (its transaction is open: nothing waits on itself)', async () => {
    const token = await h.login(a.ownerEmail);
    const r = await Promise.race([
      h.gql(LOGIN, { e: a.ownerEmail, p: PASSWORD }, { token, tenant: a.subdomain }),
      new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000)),
    ]);
    expect(r).not.toBe('hung');
    if (r !== 'hung') expect(codes(r)).toEqual([]);
  }, 60_000);

  it('me needs a session', async () => {
    expect(codes(await h.gql(ME, {}))).toEqual(['UNAUTHENTICATED']);
  });

  it('gives unknown email and wrong password the same answer after comparable work', async () => {
    const wrong = await attempt(a.ownerEmail, 'Wrong-Password-1', '10.0.0.1');
    const unknown = await attempt(`${uniq('nobody')}@example.test`, 'Wrong-Password-1', '10.0.0.1');
    expect(wrong.status).toBe(unknown.status);
    // Each answer quotes its own request id; nothing else may differ.
    const unquoted = (r: typeof wrong) => JSON.stringify(r.body).replace(/"requestId":"[^"]*"/g, '');
    expect(unquoted(wrong)).toBe(unquoted(unknown));
    expect(codes(wrong)).toEqual(['UNAUTHENTICATED']);
    // Both paths verify an argon2 hash. Interleaved runs, so machine load hits both alike; medians
    // compared with a wide margin (a missing hash check would answer in well under a tenth).
    const knownTimes: number[] = [];
    const unknownTimes: number[] = [];
    const members = await Promise.all(Array.from({ length: 7 }, () => h.addMember(b.id, 'viewer')));
    for (let i = 0; i < 7; i++) {
      for (const [email, into] of [[members[i]!.email, knownTimes], [`${uniq('nobody')}@example.test`, unknownTimes]] as const) {
        const t0 = performance.now();
        await attempt(email, 'Wrong-Password-1', `10.0.1.${i}`);
        into.push(performance.now() - t0);
      }
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[3]!;
    expect(median(unknownTimes)).toBeGreaterThan(median(knownTimes) * 0.4);
    expect(median(knownTimes)).toBeGreaterThan(median(unknownTimes) * 0.4);
  });
});

describe('throttling', () => {
  it('slows repeated failures for one email, then refuses it even with the right password', async () => {
    const victim = await h.seedTenant();
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      expect(codes(await attempt(victim.ownerEmail, `Guess-${i}-Password`, `10.1.0.${i}`))).toEqual(['UNAUTHENTICATED']);
      times.push(performance.now() - t0);
    }
    // Failures 4, 5 and 6 wait 250, 500 and 1000 ms before answering.
    expect(times[5]).toBeGreaterThanOrEqual(1000);
    const refused = await attempt(victim.ownerEmail, PASSWORD, '10.1.1.1');
    expect(codes(refused)).toEqual(['RATE_LIMITED']);
    expect(refused.body.data).toBeNull();
  });

  it('refuses an address after too many failures across emails', async () => {
    const ip = '10.2.0.9';
    for (let i = 0; i < 30; i++) await attempt(`${uniq('spray')}@example.test`, 'Spray-Password-1', ip);
    expect(codes(await attempt(b.ownerEmail, PASSWORD, ip))).toEqual(['RATE_LIMITED']);
    expect(codes(await attempt(b.ownerEmail, PASSWORD, '10.2.0.10'))).toEqual([]);
  });
});
