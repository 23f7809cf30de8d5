import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, type Harness, PASSWORD, startHarness } from '../support/harness.js';

const BEGIN = 'mutation($p: String!) { beginTotpEnrolment(password: $p) { secret uri } }';
const CONFIRM = 'mutation($c: String!) { confirmTotpEnrolment(code: $c) }';
const DISABLE = 'mutation($p: String!) { disableTotp(password: $p) }';
const LOGIN = 'mutation($e: String!, $p: String!, $f: String) { login(email: $e, password: $p, secondFactor: $f) { token } }';
const REQUIRE = 'mutation($r: Boolean!) { requireSecondFactor(required: $r) }';
const ASSETS = '{ assets(first: 1) { totalCount } }';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

/** What an authenticator app shows, `stepsAhead` steps from now (a step is 30 s). */
const code = (secret: string, stepsAhead = 0) =>
  new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: Date.now() + stepsAhead * 30_000 });

async function enrol(token: string, tenant?: string): Promise<{ secret: string; recovery: string[] }> {
  const begun = await h.gql<{ beginTotpEnrolment: { secret: string; uri: string } }>(BEGIN, { p: PASSWORD }, { token, tenant });
  expect(codes(begun)).toEqual([]);
  const { secret, uri } = begun.body.data!.beginTotpEnrolment;
  expect(uri).toMatch(/^otpauth:\/\/totp\/Anthias%20Cloud:.+secret=/);
  const confirmed = await h.gql<{ confirmTotpEnrolment: string[] }>(CONFIRM, { c: code(secret) }, { token, tenant });
  expect(codes(confirmed)).toEqual([]);
  return { secret, recovery: confirmed.body.data!.confirmTotpEnrolment };
}

const login = (email: string, f?: string, password = PASSWORD) => h.gql<{ login: { token: string } }>(LOGIN, { e: email, p: password, f });

describe('TOTP second factor', () => {
  it('enrols with the password and a code; sign-in then needs a code once, or a recovery code once; removal needs the password', async () => {
    const t = await h.seedTenant();
    const p = await h.addMember(t.id, 'editor');
    const session = await h.login(p.email);
    expect(codes(await h.gql(BEGIN, { p: 'Not-The-Passw0rd' }, { token: session }))).toEqual(['BAD_USER_INPUT']);
    const begun = await h.gql<{ beginTotpEnrolment: { secret: string } }>(BEGIN, { p: PASSWORD }, { token: session });
    const pendingSecret = begun.body.data!.beginTotpEnrolment.secret;
    expect(codes(await login(p.email))).toEqual([]); // not on until confirmed
    expect(codes(await h.gql(CONFIRM, { c: '000000' === code(pendingSecret) ? '111111' : '000000' }, { token: session }))).toEqual(['BAD_USER_INPUT']);

    const { secret, recovery } = await enrol(session);
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);
    const me = await h.gql<{ me: { secondFactor: boolean } }>('{ me { secondFactor } }', {}, { token: session });
    expect(me.body.data!.me.secondFactor).toBe(true);
    expect(codes(await h.gql(BEGIN, { p: PASSWORD }, { token: session }))).toEqual(['BAD_USER_INPUT']); // one at a time

    expect(codes(await login(p.email))).toEqual(['SECOND_FACTOR_REQUIRED']);
    expect(codes(await login(p.email, '123456' === code(secret, 1) ? '654321' : '123456'))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await login(p.email, code(secret, 5)))).toEqual(['UNAUTHENTICATED']); // far from now
    const next = code(secret, 1);
    expect(codes(await login(p.email, next))).toEqual([]);
    expect(codes(await login(p.email, next))).toEqual(['UNAUTHENTICATED']); // a code works once
    expect(codes(await login(p.email, code(secret)))).toEqual(['UNAUTHENTICATED']); // nor an older one
    expect(codes(await login(p.email, recovery[3]!.toUpperCase()))).toEqual([]);
    expect(codes(await login(p.email, recovery[3]!))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await login(p.email, 'any-thing', 'Wrong-Passw0rd!'))).toEqual(['UNAUTHENTICATED']);

    expect(codes(await h.gql(DISABLE, { p: 'Not-The-Passw0rd' }, { token: session }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await h.gql(DISABLE, { p: PASSWORD }, { token: session }))).toEqual([]);
    expect(codes(await login(p.email))).toEqual([]);
    expect(codes(await login(p.email, recovery[4]!))).toEqual([]); // ignored without a factor
  });

  it('an owner who has one requires it: members without one are asked to enrol before anything else', async () => {
    const t = await h.seedTenant();
    const owner = await h.login(t.ownerEmail);
    const admin = await h.addMember(t.id, 'admin');
    const editor = await h.addMember(t.id, 'editor');
    const adminSession = await h.login(admin.email);
    const editorSession = await h.login(editor.email);
    const as = (token: string) => ({ token, tenant: t.subdomain });
    expect(codes(await h.gql(ASSETS, {}, as(editorSession)))).toEqual([]); // resolution and session cached now

    expect(codes(await h.gql(REQUIRE, { r: true }, as(owner)))).toEqual(['BAD_USER_INPUT']); // enrol yourself first
    await enrol(owner, t.subdomain);
    expect(codes(await h.gql(REQUIRE, { r: true }, as(adminSession)))).toEqual(['FORBIDDEN']); // owners only
    expect(codes(await h.gql(REQUIRE, { r: true }, as(owner)))).toEqual([]);
    const tenant = await h.gql<{ currentTenant: { requireSecondFactor: boolean } }>('{ currentTenant { requireSecondFactor } }', {}, { tenant: t.subdomain });
    expect(tenant.body.data!.currentTenant.requireSecondFactor).toBe(true);

    expect(codes(await h.gql(ASSETS, {}, as(editorSession)))).toEqual(['SECOND_FACTOR_ENROLMENT_REQUIRED']);
    expect(codes(await h.gql('mutation { createApiKey(input: { name: "k", permissions: [] }) { secret } }', {}, as(adminSession)))).toEqual(['SECOND_FACTOR_ENROLMENT_REQUIRED']);
    expect(codes(await h.gql(ASSETS, {}, as(owner)))).toEqual([]);
    expect(codes(await h.gql('{ me { user { email } } }', {}, as(editorSession)))).toEqual([]);

    await enrol(editorSession, t.subdomain);
    expect(codes(await h.gql(ASSETS, {}, as(editorSession)))).toEqual([]); // the same session, at once
    const audit = await h.gql<{ auditLogs: { nodes: { action: string }[] } }>('{ auditLogs(first: 50) { nodes { action } } }', {}, as(owner));
    expect(audit.body.data!.auditLogs.nodes.map((n) => n.action)).toContain('tenant.require_second_factor');

    expect(codes(await h.gql(REQUIRE, { r: false }, as(owner)))).toEqual([]);
    expect(codes(await h.gql(ASSETS, {}, as(adminSession)))).toEqual([]);
  });
});
