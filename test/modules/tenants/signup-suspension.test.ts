import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTenantStatus } from '../../../src/modules/tenants/tenant-admin.service.js';
import { codes, type Harness, PASSWORD, startHarness, uniq } from '../../support/harness.js';
import { outbox } from '../../support/outbox.js';
import { byHash, CREATE_DEVICE } from '../../support/devices.js';
import { CREATE_API_KEY, LIST_ASSETS } from '../../support/operations.js';

const SIGN_UP = `mutation($o: String!, $s: String!, $e: String!, $p: String!) {
  signUp(organisation: $o, subdomain: $s, email: $e, password: $p) { token user { email } memberships { subdomain role } }
}`;

let h: Harness;
const mail = outbox();
let nextIp = 1;
// Sign-ups are throttled per address: each case comes from its own.
const signUp = <T = Record<string, unknown>>(v: Record<string, string>, ip = `198.18.0.${nextIp++}`) =>
  h.gql<T>(SIGN_UP, v, { headers: { 'x-forwarded-for': ip } });

beforeAll(async () => {
  h = await startHarness({ ALLOW_SIGNUP: 'true' }, { mailer: mail });
});
afterAll(() => h?.close());

describe('self-service sign-up', () => {
  it('creates the organisation on the basic plan with its owner and returns a session, usable once the address is verified', async () => {
    const sub = uniq('su');
    const r = await signUp<{ signUp: { token: string; memberships: { subdomain: string; role: string }[] } }>({ o: 'Corner Café', s: sub, e: `${sub}@example.test`, p: PASSWORD });
    expect(codes(r)).toEqual([]);
    expect(r.body.data!.signUp.memberships).toEqual([{ subdomain: sub, role: 'owner' }]);
    expect(codes(await h.gql('{ currentTenant { plan } }', {}, { token: r.body.data!.signUp.token, tenant: sub }))).toEqual(['EMAIL_NOT_VERIFIED']);
    await expect.poll(() => mail.sent.some((m) => m.to === `${sub}@example.test`)).toBe(true);
    expect(codes(await h.gql('mutation($t: String!) { verifyEmail(token: $t) }', { t: mail.tokenFor(`${sub}@example.test`) }))).toEqual([]);
    const current = await h.gql<{ currentTenant: { plan: string; name: string } }>('{ currentTenant { plan name } }', {}, { token: r.body.data!.signUp.token, tenant: sub });
    expect(current.body.data!.currentTenant).toEqual({ plan: 'basic', name: 'Corner Café' });
    const audit = await h.gql<{ auditLogs: { nodes: { action: string }[] } }>('{ auditLogs { nodes { action } } }', {}, { token: r.body.data!.signUp.token, tenant: sub });
    expect(audit.body.data!.auditLogs.nodes.map((n) => n.action)).toEqual(['tenant.signup']);
  });

  it.each([
    ['a reserved subdomain', { s: 'admin' }, 'subdomain'],
    ['a malformed subdomain', { s: 'Bad_Sub' }, 'subdomain'],
    ['a weak password', { p: 'password' }, 'password'],
    ['a malformed email', { e: 'nope' }, 'email'],
  ])('refuses %s', async (_n, override, field) => {
    const sub = uniq('su');
    const r = await signUp({ o: 'Org', s: sub, e: `${sub}@example.test`, p: PASSWORD, ...override });
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(r.body.errors![0]!.extensions!.field).toBe(field);
  });

  it('refuses a taken subdomain and writes nothing', async () => {
    const t = await h.seedTenant();
    const email = `${uniq('dup')}@example.test`;
    const r = await signUp({ o: 'Org', s: t.subdomain, e: email, p: PASSWORD });
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    const login = await h.gql('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: email, p: PASSWORD });
    expect(codes(login)).toEqual(['UNAUTHENTICATED']);
  });

  it('answers a signed-in member who names an organisation (the request transaction is open: nothing waits on itself)', async () => {
    const t = await h.seedTenant();
    const owner = await h.login(t.ownerEmail);
    const sub = uniq('su');
    // A fresh address and a warm one: the look-ups run in either case.
    for (const e of [`${sub}@example.test`, t.ownerEmail]) {
      const r = await Promise.race([
        h.gql(SIGN_UP, { o: 'Second Org', s: uniq('su'), e, p: PASSWORD }, { token: owner, tenant: t.subdomain, headers: { 'x-forwarded-for': `198.18.1.${nextIp++}` } }),
        new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000)),
      ]);
      expect(r).not.toBe('hung');
      if (r !== 'hung') expect(codes(r)).toEqual([]);
    }
  }, 60_000);

  it('is throttled per address', async () => {
    const results: (string | undefined)[] = [];
    for (let i = 0; i < 6; i++) {
      const sub = uniq('th');
      const r = await signUp({ o: 'Org', s: sub, e: `${sub}@example.test`, p: PASSWORD }, '192.0.2.55');
      results.push(codes(r)[0]);
    }
    expect(results.slice(0, 5)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(results[5]).toBe('RATE_LIMITED');
  });

  it('is refused when ALLOW_SIGNUP is off', async () => {
    const closed = await startHarness();
    try {
      const sub = uniq('off');
      expect(codes(await closed.gql(SIGN_UP, { o: 'Org', s: sub, e: `${sub}@example.test`, p: PASSWORD }))).toEqual(['FORBIDDEN']);
    } finally {
      await closed.close();
    }
  });
});

describe('suspension', () => {
  it('takes effect on the next request for sessions, API keys and device keys alike, and reactivation lifts it', async () => {
    const t = await h.seedTenant();
    const session = await h.login(t.ownerEmail);
    const key = (await h.gql<{ createApiKey: { secret: string } }>(CREATE_API_KEY, { input: { name: 'k', permissions: ['assets.view'] } }, { token: session, tenant: t.subdomain })).body.data!.createApiKey.secret;
    const device = (await h.gql<{ createDevice: { deviceKey: string } }>(CREATE_DEVICE, { input: { name: 'S' } }, { token: session, tenant: t.subdomain })).body.data!.createDevice.deviceKey;
    const calls = {
      session: () => h.gql(LIST_ASSETS, {}, { token: session, tenant: t.subdomain }),
      apiKey: () => h.gql(LIST_ASSETS, {}, { token: key }),
      device: () => byHash(h, 'DevicePlaylist', {}, device),
    };
    for (const call of Object.values(calls)) expect((await call()).status).toBe(200);
    await setTenantStatus(h.admin, h.app.deps.directory, t.subdomain, 'suspended', 'unpaid');
    for (const call of Object.values(calls)) {
      const r = await call();
      expect(r.status).toBe(403);
      expect((r.body as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('TENANT_SUSPENDED');
    }
    await setTenantStatus(h.admin, h.app.deps.directory, t.subdomain, 'active');
    for (const call of Object.values(calls)) expect((await call()).status).toBe(200);
  });
});
