import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invitations } from '../../../src/db/schema/index.js';
import { codes, type Harness, PASSWORD, type SeededTenant, startHarness, uniq } from '../../support/harness.js';
import { outbox } from '../../support/outbox.js';

const INVITE = 'mutation($email: String!, $role: MemberRole!) { inviteMember(email: $email, role: $role) { id email role expiresAt } }';
const ACCEPT = 'mutation($token: String!, $password: String) { acceptInvitation(token: $token, password: $password) { tenantId role newAccount sessionToken } }';
const ROLE = 'mutation($u: ID!, $r: MemberRole!) { updateMemberRole(userId: $u, role: $r) { userId role } }';
const DEACTIVATE = 'mutation($u: ID!) { deactivateMember(userId: $u) { userId isActive } }';
const REMOVE = 'mutation($u: ID!) { removeMember(userId: $u) }';
const TRANSFER = 'mutation($u: ID!) { transferOwnership(userId: $u) { userId role } }';
const MEMBERS = '{ members(first: 100) { totalCount nodes { userId email role isActive } } }';

const mail = outbox();
let h: Harness;

beforeAll(async () => {
  h = await startHarness({}, { mailer: mail });
});
afterAll(() => h?.close());

type Team = { t: SeededTenant; owner: string; as: (token: string) => { token: string; tenant: string } };
async function team(): Promise<Team> {
  const t = await h.seedTenant();
  return { t, owner: await h.login(t.ownerEmail), as: (token) => ({ token, tenant: t.subdomain }) };
}

describe('invitations', () => {
  it('invites by mail; a new person accepts with a password and gets a session; the seat is used', async () => {
    const { t, owner, as } = await team();
    const email = `${uniq('new')}@example.test`;
    const invited = await h.gql<{ inviteMember: { email: string; role: string } }>(INVITE, { email, role: 'editor' }, as(owner));
    expect(codes(invited)).toEqual([]);
    expect(mail.sent.at(-1)!.subject).toContain(`Tenant ${t.subdomain}`);
    const token = mail.tokenFor(email);
    expect(codes(await h.gql(ACCEPT, { token }))).toEqual(['BAD_USER_INPUT']); // a new account needs a password
    const accepted = await h.gql<{ acceptInvitation: { newAccount: boolean; sessionToken: string; role: string } }>(ACCEPT, { token, password: PASSWORD });
    expect(accepted.body.data!.acceptInvitation).toMatchObject({ newAccount: true, role: 'editor' });
    const me = await h.gql<{ me: { permissions: string[] } }>('{ me { permissions } }', {}, as(accepted.body.data!.acceptInvitation.sessionToken));
    expect(me.body.data!.me.permissions).toContain('assets.create');
    const again = await h.gql(ACCEPT, { token, password: PASSWORD });
    expect(codes(again)).toEqual(['BAD_USER_INPUT']);
    expect(again.body.errors![0]!.message).toMatch(/invalid, expired or already used/);
  });

  it('joins an existing account without a session (it signs in with its own password)', async () => {
    const a = await team();
    const b = await team();
    await h.gql(INVITE, { email: b.t.ownerEmail, role: 'viewer' }, a.as(a.owner));
    const r = await h.gql<{ acceptInvitation: { newAccount: boolean; sessionToken: string | null } }>(ACCEPT, { token: mail.tokenFor(b.t.ownerEmail) });
    expect(r.body.data!.acceptInvitation).toEqual({ tenantId: a.t.id, role: 'viewer', newAccount: false, sessionToken: null });
    const memberships = await h.gql<{ me: { memberships: { subdomain: string }[] } }>('{ me { memberships { subdomain } } }', {}, { token: b.owner });
    expect(memberships.body.data!.me.memberships.map((m) => m.subdomain).sort()).toEqual([a.t.subdomain, b.t.subdomain].sort());
  });

  it('refuses an expired invitation', async () => {
    const { owner, as } = await team();
    const email = `${uniq('late')}@example.test`;
    await h.gql(INVITE, { email, role: 'viewer' }, as(owner));
    await h.admin.update(invitations).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(invitations.email, email));
    expect(codes(await h.gql(ACCEPT, { token: mail.tokenFor(email), password: PASSWORD }))).toEqual(['BAD_USER_INPUT']);
  });

  it("refuses tenant A's invitation token presented to tenant B", async () => {
    const a = await team();
    const b = await team();
    const email = `${uniq('cross')}@example.test`;
    await h.gql(INVITE, { email, role: 'viewer' }, a.as(a.owner));
    const token = mail.tokenFor(email);
    const crossed = await h.gql(ACCEPT, { token, password: PASSWORD }, { tenant: b.t.subdomain });
    expect(codes(crossed)).toEqual(['BAD_USER_INPUT']);
    const members = await h.gql<{ members: { nodes: { email: string }[] } }>(MEMBERS, {}, b.as(b.owner));
    expect(members.body.data!.members.nodes.map((m) => m.email)).not.toContain(email);
    // Still valid for its own tenant.
    expect(codes(await h.gql(ACCEPT, { token, password: PASSWORD }, { tenant: a.t.subdomain }))).toEqual([]);
  });

  it('an admin cannot invite an owner; an editor cannot invite at all', async () => {
    const { t, as } = await team();
    const admin = await h.login((await h.addMember(t.id, 'admin')).email);
    const editor = await h.login((await h.addMember(t.id, 'editor')).email);
    expect(codes(await h.gql(INVITE, { email: `${uniq('o')}@example.test`, role: 'owner' }, as(admin)))).toEqual(['FORBIDDEN']);
    expect(codes(await h.gql(INVITE, { email: `${uniq('a')}@example.test`, role: 'admin' }, as(admin)))).toEqual([]);
    expect(codes(await h.gql(INVITE, { email: `${uniq('e')}@example.test`, role: 'viewer' }, as(editor)))).toEqual(['FORBIDDEN']);
  });

  it('lists members and pending invitations, and revokes one', async () => {
    const { as, owner } = await team();
    const email = `${uniq('p')}@example.test`;
    const inv = await h.gql<{ inviteMember: { id: string } }>(INVITE, { email, role: 'viewer' }, as(owner));
    const pending = await h.gql<{ invitations: { email: string }[] }>('{ invitations { email } }', {}, as(owner));
    expect(pending.body.data!.invitations.map((i) => i.email)).toContain(email);
    expect(codes(await h.gql('mutation($id: ID!) { revokeInvitation(id: $id) }', { id: inv.body.data!.inviteMember.id }, as(owner)))).toEqual([]);
    expect(codes(await h.gql(ACCEPT, { token: mail.tokenFor(email), password: PASSWORD }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('ownership rules', () => {
  it('keeps at least one active owner: the last owner cannot be demoted', async () => {
    const { t, owner, as } = await team();
    const r = await h.gql(ROLE, { u: t.ownerId, r: 'admin' }, as(owner));
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(r.body.errors![0]!.message).toMatch(/at least one active owner/);
  });

  it('keeps at least one active owner: the last owner cannot be deactivated or removed', async () => {
    const { t, owner, as } = await team();
    expect(codes(await h.gql(DEACTIVATE, { u: t.ownerId }, as(owner)))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await h.gql(REMOVE, { u: t.ownerId }, as(owner)))).toEqual(['BAD_USER_INPUT']);
  });

  it('only an owner grants ownership', async () => {
    const { t, owner, as } = await team();
    const admin = await h.addMember(t.id, 'admin');
    const editor = await h.addMember(t.id, 'editor');
    const adminToken = await h.login(admin.email);
    expect(codes(await h.gql(ROLE, { u: editor.userId, r: 'owner' }, as(adminToken)))).toEqual(['FORBIDDEN']);
    expect(codes(await h.gql(ROLE, { u: editor.userId, r: 'owner' }, as(owner)))).toEqual([]);
  });

  it('only an owner removes ownership (an admin cannot demote, deactivate or remove an owner)', async () => {
    const { t, owner, as } = await team();
    const second = await h.addMember(t.id, 'owner');
    const adminToken = await h.login((await h.addMember(t.id, 'admin')).email);
    for (const [q, v] of [[ROLE, { u: second.userId, r: 'viewer' }], [DEACTIVATE, { u: second.userId }], [REMOVE, { u: second.userId }]] as const) {
      expect(codes(await h.gql(q, v, as(adminToken)))).toEqual(['FORBIDDEN']);
    }
    expect(codes(await h.gql(ROLE, { u: second.userId, r: 'viewer' }, as(owner)))).toEqual([]);
    expect(codes(await h.gql(ROLE, { u: t.ownerId, r: 'admin' }, as(owner)))).toEqual(['BAD_USER_INPUT']);
  });

  it('an admin cannot raise anyone above their own role', async () => {
    const { t, as } = await team();
    const adminToken = await h.login((await h.addMember(t.id, 'admin')).email);
    const viewer = await h.addMember(t.id, 'viewer');
    expect(codes(await h.gql(ROLE, { u: viewer.userId, r: 'admin' }, as(adminToken)))).toEqual([]);
    expect(codes(await h.gql(ROLE, { u: viewer.userId, r: 'owner' }, as(adminToken)))).toEqual(['FORBIDDEN']);
  });

  it('transfers ownership: the target becomes owner, the caller admin; only an owner may', async () => {
    const { t, owner, as } = await team();
    const admin = await h.addMember(t.id, 'admin');
    const adminToken = await h.login(admin.email);
    expect(codes(await h.gql(TRANSFER, { u: admin.userId }, as(adminToken)))).toEqual(['FORBIDDEN']);
    const r = await h.gql<{ transferOwnership: { role: string } }>(TRANSFER, { u: admin.userId }, as(owner));
    expect(r.body.data!.transferOwnership.role).toBe('owner');
    const roles = await h.admin.execute(sql`select user_id, role from tenant_users where tenant_id = ${t.id}`);
    const byUser = Object.fromEntries((Array.isArray(roles) ? roles : (roles as { rows: unknown[] }).rows).map((x) => [(x as { user_id: string }).user_id, (x as { role: string }).role]));
    expect(byUser[t.ownerId]).toBe('admin');
    expect(byUser[admin.userId]).toBe('owner');
  });

  it('a deactivated or removed member is refused at once', async () => {
    const { t, owner, as } = await team();
    const editor = await h.addMember(t.id, 'editor');
    const token = await h.login(editor.email);
    expect(codes(await h.gql('{ assets { totalCount } }', {}, as(token)))).toEqual([]);
    expect(codes(await h.gql(DEACTIVATE, { u: editor.userId }, as(owner)))).toEqual([]);
    expect(codes(await h.gql('{ assets { totalCount } }', {}, as(token)))).toEqual(['FORBIDDEN']);
    expect(codes(await h.gql(REMOVE, { u: editor.userId }, as(owner)))).toEqual([]);
    const list = await h.gql<{ members: { nodes: { userId: string }[] } }>(MEMBERS, {}, as(owner));
    expect(list.body.data!.members.nodes.map((m) => m.userId)).not.toContain(editor.userId);
  });

  it('records every change in the audit trail', async () => {
    const { t, owner, as } = await team();
    const v = await h.addMember(t.id, 'viewer');
    await h.gql(ROLE, { u: v.userId, r: 'editor' }, as(owner));
    await h.gql(DEACTIVATE, { u: v.userId }, as(owner));
    await h.gql(REMOVE, { u: v.userId }, as(owner));
    const audit = await h.gql<{ auditLogs: { nodes: { action: string }[] } }>('query($t: ID) { auditLogs(filter: { target: $t }) { nodes { action } } }', { t: v.userId }, as(owner));
    expect(audit.body.data!.auditLogs.nodes.map((n) => n.action)).toEqual(['member.remove', 'member.deactivate', 'member.role']);
  });
});
