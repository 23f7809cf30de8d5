import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, type Harness, PASSWORD, startHarness, uniq } from '../support/harness.js';
import { withLateAnnouncements } from '../support/late-announcements.js';
import { linkToken, startSmtp } from '../support/smtp.js';

const CHANGE = 'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }';
const REQUEST = 'mutation($e: String!) { requestPasswordReset(email: $e) }';
const RESET = 'mutation($t: String!, $p: String!) { resetPassword(token: $t, password: $p) }';
const ME = '{ me { user { email } } }';
const NEW_PASSWORD = 'Brand-New-Passw0rd';

let h: Harness;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let ip = 1;
const from = () => ({ headers: { 'x-forwarded-for': `203.0.113.${ip++}` } });

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startHarness({ SMTP_URL: smtp.url });
});
afterAll(async () => {
  await h?.close();
  await smtp?.close();
});

async function person() {
  const t = await h.seedTenant();
  return h.addMember(t.id, 'editor');
}

const alive = async (token: string) => codes(await h.gql(ME, {}, { token }));

describe('changing a password', () => {
  it('needs the current password and a strong new one, keeps this session and ends the others', async () => {
    const p = await person();
    const here = await h.login(p.email);
    const elsewhere = await h.login(p.email);
    expect(codes(await h.gql(CHANGE, { c: 'Wrong-Passw0rd!', n: NEW_PASSWORD }, { token: here }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await h.gql(CHANGE, { c: PASSWORD, n: 'short' }, { token: here }))).toEqual(['BAD_USER_INPUT']);
    expect(await alive(elsewhere)).toEqual([]); // refusals change nothing
    await withLateAnnouncements(h, async () => {
      expect(codes(await h.gql(CHANGE, { c: PASSWORD, n: NEW_PASSWORD }, { token: here }))).toEqual([]);
      expect(await alive(here)).toEqual([]);
      expect(await alive(elsewhere)).toEqual(['UNAUTHENTICATED']);
    });
    await expect(h.login(p.email, PASSWORD)).rejects.toThrow(/login failed/);
    expect(await h.login(p.email, NEW_PASSWORD)).toMatch(/^anthias_st_/);
  });
});

describe('resetting a password', () => {
  it('mails a single-use link (token in the fragment); the reset ends every session', async () => {
    const p = await person();
    const a = await h.login(p.email);
    const b = await h.login(p.email);
    expect(codes(await h.gql(REQUEST, { e: p.email.toUpperCase() }, from()))).toEqual([]);
    const { token, link } = linkToken(await smtp.waitFor(p.email, /Reset your/));
    expect(link).toMatch(/\/reset-password#token=/);
    expect(codes(await h.gql(RESET, { t: token, p: 'weak' }))).toEqual(['BAD_USER_INPUT']);
    expect(await alive(a)).toEqual([]);
    await withLateAnnouncements(h, async () => {
      expect(codes(await h.gql(RESET, { t: token, p: NEW_PASSWORD }))).toEqual([]);
      expect(await alive(a)).toEqual(['UNAUTHENTICATED']);
      expect(await alive(b)).toEqual(['UNAUTHENTICATED']);
    });
    expect(codes(await h.gql(RESET, { t: token, p: 'An0ther-Passw0rd' }))).toEqual(['BAD_USER_INPUT']); // single use
    await expect(h.login(p.email, PASSWORD)).rejects.toThrow(/login failed/);
    expect(await h.login(p.email, NEW_PASSWORD)).toMatch(/^anthias_st_/);
  });

  it('refuses an expired link', async () => {
    const p = await person();
    await h.gql(REQUEST, { e: p.email }, from());
    const { token } = linkToken(await smtp.waitFor(p.email, /Reset your/));
    await h.admin.execute(sql`update account_tokens set expires_at = now() - interval '1 second' where user_id = ${p.userId}::uuid`);
    expect(codes(await h.gql(RESET, { t: token, p: NEW_PASSWORD }))).toEqual(['BAD_USER_INPUT']);
    expect(await h.login(p.email)).toMatch(/^anthias_st_/);
  });

  it('answers known and unknown addresses alike, in comparable time, and mails only the known', async () => {
    const known = await Promise.all(Array.from({ length: 5 }, () => person()));
    const unknown = Array.from({ length: 5 }, () => `${uniq('nobody')}@example.test`);
    const timed = async (email: string) => {
      const started = performance.now();
      const r = await h.gql(REQUEST, { e: email }, from());
      return { ms: performance.now() - started, body: JSON.stringify(r.body), status: r.status };
    };
    const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const k: Awaited<ReturnType<typeof timed>>[] = [];
    const u: Awaited<ReturnType<typeof timed>>[] = [];
    for (let i = 0; i < 5; i++) {
      k.push(await timed(known[i]!.email));
      u.push(await timed(unknown[i]!));
    }
    expect(new Set([...k, ...u].map((r) => `${r.status} ${r.body}`))).toEqual(new Set(['200 {"data":{"requestPasswordReset":true}}']));
    // Generous: the mail is never sent while the caller waits, so only noise separates them.
    expect(Math.abs(median(k.map((r) => r.ms)) - median(u.map((r) => r.ms)))).toBeLessThan(250);
    for (const p of known) await smtp.waitFor(p.email, /Reset your/);
    expect(smtp.mails.filter((m) => unknown.includes(m.to))).toEqual([]);
  });

  it('holds its limits under concurrency: 3 per address asked about, 20 per client address', async () => {
    const p = await person();
    const perEmail = await Promise.all(Array.from({ length: 20 }, () => h.gql(REQUEST, { e: p.email }, from())));
    const outcomes = perEmail.map((r) => codes(r)[0] ?? 'ok');
    expect(outcomes.filter((c) => c === 'ok')).toHaveLength(3);
    expect(outcomes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(17);
    const client = { headers: { 'x-forwarded-for': '203.0.113.250' } };
    const perClient = await Promise.all(Array.from({ length: 30 }, () => h.gql(REQUEST, { e: `${uniq('any')}@example.test` }, client)));
    expect(perClient.filter((r) => codes(r).length === 0)).toHaveLength(20);
    // Each accepted request replaced the previous link (whatever the order they were mailed in, one stays live).
    await expect.poll(() => smtp.mails.filter((m) => m.to === p.email).length, { timeout: 15_000 }).toBe(3);
    const tokens = smtp.mails.filter((m) => m.to === p.email).map((m) => linkToken(m).token);
    const [row] = await h.admin.execute(sql`select count(*)::int as n from account_tokens where user_id = ${p.userId}::uuid and used_at is null`).then((r) => (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows) as { n: number }[]);
    expect(row!.n).toBe(1);
    expect(codes(await h.gql(RESET, { t: tokens[0]!, p: NEW_PASSWORD }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await h.gql(RESET, { t: tokens.at(-1)!, p: NEW_PASSWORD }))).toEqual([]);
  });
});
