import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { codes, type Harness, PASSWORD, startHarness, uniq } from '../support/harness.js';
import { outbox } from '../support/outbox.js';

const LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }';
const SESSIONS = '{ mySessions { id createdAt lastUsedAt expiresAt ipAddress userAgent current } }';
const REVOKE = 'mutation($id: ID!) { revokeSession(id: $id) }';
const EVERYWHERE = 'mutation { logoutEverywhere }';
const ME = '{ me { user { email } } }';

type Listed = { id: string; ipAddress: string | null; userAgent: string | null; current: boolean; createdAt: string; lastUsedAt: string };

async function signIn(h: Harness, email: string, address: string, agent: string): Promise<string> {
  const r = await h.gql<{ login: { token: string } }>(LOGIN, { e: email, p: PASSWORD }, { headers: { 'x-forwarded-for': address, 'user-agent': agent } });
  if (!r.body.data?.login) throw new Error(JSON.stringify(r.body.errors));
  return r.body.data.login.token;
}

describe('sessions a person controls', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it('lists them with address and user agent, the current one marked; ends one, then all', async () => {
    const t = await h.seedTenant();
    const p = await h.addMember(t.id, 'viewer');
    const laptop = await signIn(h, p.email, '192.0.2.10', 'Laptop/1.0');
    const phone = await signIn(h, p.email, '192.0.2.11', 'Phone/2.0');
    const script = await signIn(h, p.email, '2001:db8::7', 'curl/8');
    const listed = await h.gql<{ mySessions: Listed[] }>(SESSIONS, {}, { token: phone });
    const sessions = listed.body.data!.mySessions;
    expect(sessions).toHaveLength(3);
    expect(sessions.filter((s) => s.current).map((s) => s.userAgent)).toEqual(['Phone/2.0']);
    expect(sessions.map((s) => `${s.ipAddress} ${s.userAgent}`).sort()).toEqual(['192.0.2.10 Laptop/1.0', '192.0.2.11 Phone/2.0', '2001:db8::7 curl/8']);
    for (const s of sessions) expect(Date.parse(s.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(s.createdAt));

    // Another person's session is not found, exactly like a missing one.
    const other = await h.addMember(t.id, 'viewer');
    const theirs = await signIn(h, other.email, '192.0.2.20', 'Other');
    const theirId = (await h.gql<{ mySessions: Listed[] }>(SESSIONS, {}, { token: theirs })).body.data!.mySessions[0]!.id;
    expect(codes(await h.gql(REVOKE, { id: theirId }, { token: phone }))).toEqual(['NOT_FOUND']);
    expect(codes(await h.gql(REVOKE, { id: 'not-an-id' }, { token: phone }))).toEqual(['NOT_FOUND']);
    expect(codes(await h.gql(ME, {}, { token: theirs }))).toEqual([]);

    const laptopId = sessions.find((s) => s.userAgent === 'Laptop/1.0')!.id;
    expect(codes(await h.gql(ME, {}, { token: laptop }))).toEqual([]); // cached now
    expect(codes(await h.gql(REVOKE, { id: laptopId }, { token: phone }))).toEqual([]);
    expect(codes(await h.gql(ME, {}, { token: laptop }))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await h.gql(ME, {}, { token: script }))).toEqual([]);

    const all = await h.gql<{ logoutEverywhere: number }>(EVERYWHERE, {}, { token: phone });
    expect(all.body.data!.logoutEverywhere).toBe(2);
    expect(codes(await h.gql(ME, {}, { token: phone }))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await h.gql(ME, {}, { token: script }))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await h.gql(ME, {}, { token: theirs }))).toEqual([]);
  });
});

// Two gateway instances on one PostgreSQL: revocation made on one is in force on the other at once.
const shared = inject('testDatabase');
describe.runIf(shared.engine === 'postgres')('revocation across instances', () => {
  let a: Harness;
  let b: Harness;
  const mail = outbox();
  beforeAll(async () => {
    const prefix = `${uniq('anthias-shared-')}:`;
    a = await startHarness({ REDIS_PREFIX: prefix }, { mailer: mail });
    b = await startHarness({ REDIS_PREFIX: prefix });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  const refusedOnB = (token: string) =>
    expect.poll(async () => codes(await b.gql(ME, {}, { token })), { timeout: 2_000, interval: 20 }).toEqual(['UNAUTHENTICATED']);

  it('revokeSession, logoutEverywhere and a password reset on one instance end sessions cached by the other', async () => {
    const t = await a.seedTenant();
    const p = await a.addMember(t.id, 'editor');
    const one = await a.login(p.email);
    const two = await a.login(p.email);
    const three = await a.login(p.email);
    for (const token of [one, two, three]) expect(codes(await b.gql(ME, {}, { token }))).toEqual([]); // cached in b

    const idOf = async (token: string) => (await a.gql<{ mySessions: Listed[] }>(SESSIONS, {}, { token })).body.data!.mySessions.find((s) => s.current)!.id;
    expect(codes(await a.gql(REVOKE, { id: await idOf(one) }, { token: three }))).toEqual([]);
    await refusedOnB(one);
    expect(codes(await b.gql(ME, {}, { token: two }))).toEqual([]);

    await a.gql(EVERYWHERE, {}, { token: three });
    await refusedOnB(two);
    await refusedOnB(three);

    const fresh = await a.login(p.email);
    expect(codes(await b.gql(ME, {}, { token: fresh }))).toEqual([]);
    await a.gql('mutation($e: String!) { requestPasswordReset(email: $e) }', { e: p.email });
    await expect.poll(() => mail.sent.some((m) => m.to === p.email), { timeout: 15_000 }).toBe(true);
    const token = /resetPassword\(token: "([^"]+)"/.exec(mail.sent.find((m) => m.to === p.email)!.text)![1]!;
    expect(codes(await a.gql('mutation($t: String!, $p: String!) { resetPassword(token: $t, password: $p) }', { t: token, p: 'Fresh-Passw0rd!' }))).toEqual([]);
    await refusedOnB(fresh);
  });
});
