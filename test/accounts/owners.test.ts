import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.js';
import { sha256 } from '../../src/auth/tokens.js';
import { rows } from '../../src/db/rows.js';
import { createTenant } from '../../src/modules/tenants/tenant-admin.service.js';
import { type CliDatabase, cliDatabase } from '../support/cli-database.js';
import { PASSWORD, uniq } from '../support/harness.js';
import { linkToken, startSmtp } from '../support/smtp.js';

// The real CLI in a child process, its invitation mail received over SMTP.
let d: CliDatabase;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let cli: (...args: string[]) => ReturnType<CliDatabase['cli']>;

beforeAll(async () => {
  smtp = await startSmtp();
  d = await cliDatabase();
  cli = (...args) => d.cli(args, { SMTP_URL: smtp.url, APP_URL: 'https://console.example.test' });
});
afterAll(async () => {
  await d?.close();
  await smtp?.close();
});

async function tenant(): Promise<{ id: string; subdomain: string }> {
  const subdomain = uniq('own');
  const { tenantId } = await d.owner((db) => createTenant(db, { name: `Org ${subdomain}`, subdomain, plan: 'basic', ownerEmail: `${uniq('first')}@example.test`, ownerPassword: PASSWORD }));
  return { id: tenantId, subdomain };
}

const membership = (tenantId: string, email: string) =>
  d.owner((db) => rows<{ role: string; is_active: boolean }>(db, sql`select tu.role, tu.is_active from tenant_users tu join users u on u.id = tu.user_id where tu.tenant_id = ${tenantId}::uuid and lower(u.email) = ${email}`));
const pending = (tenantId: string, email: string) =>
  d.owner((db) => rows<{ role: string; token_hash: string }>(db, sql`select role, token_hash from invitations where tenant_id = ${tenantId}::uuid and email = ${email} and accepted_at is null and revoked_at is null`));

describe('add-owner and resend-invitation', () => {
  it('makes a verified account an owner at once, and says so when it already is', async () => {
    const t = await tenant();
    const other = await tenant();
    const email = `${uniq('verified')}@example.test`;
    await d.owner((db) => createTenant(db, { name: 'Elsewhere', subdomain: uniq('else'), plan: 'basic', ownerEmail: email, ownerPassword: PASSWORD }));
    const r = await cli('add-owner', t.subdomain, '--email', email.toUpperCase());
    expect(r).toMatchObject({ code: 0, stdout: `${email} is now an owner of ${t.subdomain}\n` });
    expect(await membership(t.id, email)).toEqual([{ role: 'owner', is_active: true }]);
    expect(await membership(other.id, email)).toEqual([]);
    const again = await cli('add-owner', t.subdomain, '--email', email, '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ action: 'already-owner', tenant: t.subdomain, email });
    const audit = await d.owner((db) => rows<{ action: string; actor_type: string }>(db, sql`select action, actor_type from audit_logs where tenant_id = ${t.id}::uuid and action = 'member.add_owner'`));
    expect(audit).toEqual([{ action: 'member.add_owner', actor_type: 'system' }]);
  });

  it('mails an owner invitation to a new address, and to an account that never proved its address (no membership for it)', async () => {
    const t = await tenant();
    const fresh = `${uniq('fresh')}@example.test`;
    const r = await cli('add-owner', t.subdomain, '--email', fresh);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^invited ${fresh} as owner of ${t.subdomain} \\(expires .+; mail mailed\\)\\n$`));
    const { link, token } = linkToken(await smtp.waitFor(fresh, /invited/));
    expect(link).toMatch(/^https:\/\/console\.example\.test\/accept-invitation#token=/);
    expect(await pending(t.id, fresh)).toEqual([{ role: 'owner', token_hash: sha256(token) }]);

    const squatted = `${uniq('squat')}@example.test`;
    const hash = await hashPassword('Att4cker-Chose-This');
    await d.owner((db) => db.execute(sql`insert into users (email, password_hash) values (${squatted}, ${hash})`));
    const s = await cli('add-owner', t.subdomain, '--email', squatted, '--json');
    expect(JSON.parse(s.stdout)).toMatchObject({ action: 'invited', role: 'owner', mail: 'mailed' });
    expect(await membership(t.id, squatted)).toEqual([]);
    await smtp.waitFor(squatted, /invited/);

    // Nor does creating a tenant give that account an organisation, even with its password.
    const sub = uniq('nope');
    await expect(d.owner((db) => createTenant(db, { name: 'Nope', subdomain: sub, plan: 'basic', ownerEmail: squatted, ownerPassword: 'Att4cker-Chose-This' }))).rejects.toThrow(/owner-email: .*not verified/);
    expect(await d.owner((db) => rows(db, sql`select 1 from tenants where subdomain = ${sub}`))).toEqual([]);
  });

  it('resends: a new link, the previous one stops working', async () => {
    const t = await tenant();
    const email = `${uniq('again')}@example.test`;
    await cli('add-owner', t.subdomain, '--email', email);
    const first = linkToken(await smtp.waitFor(email, /invited/)).token;
    const before = smtp.mails.length;
    const r = await cli('resend-invitation', t.subdomain, '--email', email);
    expect(r.code).toBe(0);
    await expect.poll(() => smtp.mails.length, { timeout: 15_000 }).toBeGreaterThan(before);
    const second = linkToken(await smtp.waitFor(email, /invited/)).token;
    expect(second).not.toBe(first);
    expect(await pending(t.id, email)).toEqual([{ role: 'owner', token_hash: sha256(second) }]);
  });

  it('rescues a tenant left without an active owner, as validate-tenant says', async () => {
    const t = await tenant();
    await d.owner((db) => db.execute(sql`update tenant_users set is_active = false where tenant_id = ${t.id}::uuid`));
    const broken = await cli('validate-tenant', t.subdomain);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(new RegExp(`^active owner\\s+FAIL\\s+no active owner: run \`anthias add-owner ${t.subdomain} --email <address>\`$`, 'm'));
    const rescuer = `${uniq('rescuer')}@example.test`;
    await d.owner((db) => createTenant(db, { name: 'Theirs', subdomain: uniq('their'), plan: 'basic', ownerEmail: rescuer, ownerPassword: PASSWORD }));
    expect((await cli('add-owner', t.subdomain, '--email', rescuer)).code).toBe(0);
    expect((await cli('validate-tenant', t.subdomain)).stdout).toMatch(/^active owner\s+ok\s+1 active owner\(s\)$/m);
  });

  it('refuses bad input with one line and exit 2, writing nothing', async () => {
    const t = await tenant();
    const count = () => d.owner((db) => rows<{ n: number }>(db, sql`select (select count(*) from invitations)::int + (select count(*) from tenant_users)::int as n`));
    const before = await count();
    for (const args of [
      ['add-owner', t.subdomain, '--email', 'not-an-address'],
      ['add-owner', 'no-such-tenant', '--email', 'a@example.test'],
      ['resend-invitation', t.subdomain, '--email', `${uniq('never')}@example.test`],
      ['add-owner', t.subdomain],
    ]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(await count()).toEqual(before);
  });
});

describe('restoring a backup', () => {
  it('links an archived member to an account of that address only after taking it from whoever made it unverified', async () => {
    const t = await tenant();
    const member = `${uniq('member')}@example.test`;
    const other = await tenant();
    await d.owner((db) => createTenant(db, { name: 'Home', subdomain: uniq('home'), plan: 'basic', ownerEmail: member, ownerPassword: PASSWORD }));
    expect((await cli('add-owner', t.subdomain, '--email', member)).code).toBe(0);
    const archive = join(mkdtempSync(join(tmpdir(), 'anthias-acc-')), 'a.tar.gz');
    expect((await cli('backup-tenant', t.subdomain, '--out', archive)).code).toBe(0);

    // The person's account goes; someone else makes one for the same address, unverified, with a session.
    const squatterHash = await hashPassword('Att4cker-Chose-This');
    await d.owner(async (db) => {
      await db.execute(sql`delete from users where lower(email) = ${member}`);
      await db.execute(sql`insert into users (email, password_hash) values (${member}, ${squatterHash})`);
      await db.execute(sql`insert into sessions (token_hash, user_id, expires_at) select 'squatter-session', id, now() + interval '1 hour' from users where email = ${member}`);
    });
    const restored = await cli('restore-tenant-backup', archive, '--confirm-restore');
    expect(restored.code, restored.stderr).toBe(0);
    const [account] = await d.owner((db) =>
      rows<{ hash: string; sessions: number }>(db, sql`select password_hash as hash, (select count(*)::int from sessions s where s.user_id = u.id) as sessions from users u where email = ${member}`));
    expect(account!.hash).not.toBe(squatterHash);
    expect(account!.sessions).toBe(0);
    expect(await membership(t.id, member)).toEqual([{ role: 'owner', is_active: true }]);
    expect(await membership(other.id, member)).toEqual([]);
  });
});
