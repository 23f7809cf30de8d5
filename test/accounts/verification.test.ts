import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, type Harness, PASSWORD, startHarness, uniq } from '../support/harness.js';
import { withLateAnnouncements } from '../support/late-announcements.js';
import { linkToken, startSmtp } from '../support/smtp.js';

const SIGN_UP = 'mutation($o: String!, $s: String!, $e: String!, $p: String!) { signUp(organisation: $o, subdomain: $s, email: $e, password: $p) { token emailVerified } }';
const LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token emailVerified } }';
const INVITE = 'mutation($email: String!, $role: MemberRole!) { inviteMember(email: $email, role: $role) { id } }';
const ACCEPT = 'mutation($token: String!, $password: String) { acceptInvitation(token: $token, password: $password) { tenantId role newAccount sessionToken } }';
const VERIFY = 'mutation($t: String!) { verifyEmail(token: $t) }';
const RESEND = 'mutation { resendVerification }';
const ATTACKER_PASSWORD = 'Att4cker-Chose-This';
const VICTIM_PASSWORD = 'Vict1m-Own-Secret!';

let h: Harness;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let ip = 1;
const fromAddress = () => ({ 'x-forwarded-for': `198.51.100.${ip++}` });

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startHarness({ ALLOW_SIGNUP: 'true', SMTP_URL: smtp.url, APP_URL: 'https://console.example.test' });
});
afterAll(async () => {
  await h?.close();
  await smtp?.close();
});

describe('verified emails', () => {
  it('pre-hijacking: the attacker who signed up with the victim’s address is refused, the real person is in', async () => {
    const company = await h.seedTenant();
    const owner = await h.login(company.ownerEmail);
    const victim = `${uniq('victim')}@company.example`;

    // The attacker signs up first with the victim's address and a password of their choice.
    const squat = await h.gql<{ signUp: { token: string; emailVerified: boolean } }>(
      SIGN_UP, { o: 'Lookalike', s: uniq('evil'), e: victim, p: ATTACKER_PASSWORD }, { headers: fromAddress() });
    expect(codes(squat)).toEqual([]);
    expect(squat.body.data!.signUp.emailVerified).toBe(false);
    const attacker = squat.body.data!.signUp.token;
    // The verification mail went to the victim's mailbox, which the attacker cannot read.
    const verification = await smtp.waitFor(victim, /Confirm your email/);
    expect(linkToken(verification).link).toMatch(/^https:\/\/console\.example\.test\/verify-email#token=/);
    // Unverified, the attacker's session can do nothing but verify or resend.
    expect(codes(await h.gql('{ currentTenant { plan } }', {}, { token: attacker, tenant: company.subdomain }))).toEqual(['EMAIL_NOT_VERIFIED']);
    expect(codes(await h.gql('mutation { createApiKey(input: { name: "x", permissions: [] }) { secret } }', {}, { token: attacker }))).toContain('EMAIL_NOT_VERIFIED');

    // The company invites the real person, who accepts from the mail and sets their own password.
    expect(codes(await h.gql(INVITE, { email: victim, role: 'editor' }, { token: owner, tenant: company.subdomain }))).toEqual([]);
    const invitation = await smtp.waitFor(victim, /invited/);
    const { link, token } = linkToken(invitation);
    expect(link).toMatch(/^https:\/\/console\.example\.test\/accept-invitation#token=/);
    // An unverified account is never joined as it is: the acceptor must set the password.
    expect(codes(await h.gql(ACCEPT, { token }))).toEqual(['BAD_USER_INPUT']);
    await withLateAnnouncements(h, async () => {
      const accepted = await h.gql<{ acceptInvitation: { newAccount: boolean; sessionToken: string | null; role: string } }>(ACCEPT, { token, password: VICTIM_PASSWORD });
      expect(codes(accepted)).toEqual([]);
      expect(accepted.body.data!.acceptInvitation).toMatchObject({ newAccount: false, role: 'editor' });
      expect(accepted.body.data!.acceptInvitation.sessionToken).toBeTruthy();
      // The attacker's old session is gone at once,
      expect(codes(await h.gql('{ me { user { email } } }', {}, { token: attacker }))).toEqual(['UNAUTHENTICATED']);
    });
    // and so are the chosen password and the old verification link.
    expect(codes(await h.gql(LOGIN, { e: victim, p: ATTACKER_PASSWORD }, { headers: fromAddress() }))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await h.gql(VERIFY, { t: linkToken(verification).token }))).toEqual(['BAD_USER_INPUT']);

    // The real person signs in with their own password and works in the company.
    const signedIn = await h.gql<{ login: { token: string; emailVerified: boolean } }>(LOGIN, { e: victim, p: VICTIM_PASSWORD }, { headers: fromAddress() });
    expect(signedIn.body.data!.login.emailVerified).toBe(true);
    const me = await h.gql<{ me: { permissions: string[] } }>('{ me { permissions } }', {}, { token: signedIn.body.data!.login.token, tenant: company.subdomain });
    expect(me.body.data!.me.permissions).toContain('assets.create');
  });

  it('sign-up: a verification link (single use) opens the account; resending replaces the link', async () => {
    const email = `${uniq('new')}@example.test`;
    const sub = uniq('org');
    const r = await h.gql<{ signUp: { token: string } }>(SIGN_UP, { o: 'Corner Café', s: sub, e: email, p: PASSWORD }, { headers: fromAddress() });
    const session = r.body.data!.signUp.token;
    const first = linkToken(await smtp.waitFor(email, /Confirm your email/)).token;
    expect(codes(await h.gql('{ currentTenant { plan } }', {}, { token: session, tenant: sub }))).toEqual(['EMAIL_NOT_VERIFIED']);
    const me = await h.gql<{ me: { emailVerified: boolean } }>('{ me { emailVerified } }', {}, { token: session });
    expect(me.body.data!.me.emailVerified).toBe(false);

    const before = smtp.mails.length;
    expect(codes(await h.gql(RESEND, {}, { token: session }))).toEqual([]);
    await expect.poll(() => smtp.mails.length, { timeout: 15_000 }).toBeGreaterThan(before);
    const second = linkToken(await smtp.waitFor(email, /Confirm your email/)).token;
    expect(second).not.toBe(first);
    expect(codes(await h.gql(VERIFY, { t: first }))).toEqual(['BAD_USER_INPUT']); // replaced
    expect(codes(await h.gql(VERIFY, { t: second }))).toEqual([]);
    expect(codes(await h.gql(VERIFY, { t: second }))).toEqual(['BAD_USER_INPUT']); // single use

    // The same session is now in order, on this instance at once.
    const plan = await h.gql<{ currentTenant: { plan: string } }>('{ currentTenant { plan } }', {}, { token: session, tenant: sub });
    expect(plan.body.data!.currentTenant.plan).toBe('basic');
    expect(codes(await h.gql(RESEND, {}, { token: session }))).toEqual(['BAD_USER_INPUT']);
  });

  it('an unverified account is never given another organisation', async () => {
    const email = `${uniq('pending')}@example.test`;
    await h.gql(SIGN_UP, { o: 'First', s: uniq('one'), e: email, p: PASSWORD }, { headers: fromAddress() });
    const again = await h.gql(SIGN_UP, { o: 'Second', s: uniq('two'), e: email, p: PASSWORD }, { headers: fromAddress() });
    expect(codes(again)).toEqual(['EMAIL_NOT_VERIFIED']);
  });
});
