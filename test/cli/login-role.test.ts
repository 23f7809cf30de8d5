import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTenant } from '../../src/modules/tenants/tenant-admin.service.js';
import { scramVerifier } from '../../src/operations/login-role/login-role.service.js';
import { type CliDatabase, cliDatabase } from '../support/cli-database.js';
import { uniq } from '../support/harness.js';

const target = inject('testDatabase');
const PASSWORD = 'a-login-password-of-some-length';

let cli: CliDatabase;
const ownerUrl = (): string => cli.env.MIGRATION_DATABASE_URL ?? '';
/** The salt PostgreSQL chose, from its stored `SCRAM-SHA-256$<iterations>:<salt>$<keys>`. */
const saltOf = (stored: string): Buffer => Buffer.from(stored.split('$')[1]?.split(':')[1] ?? '', 'base64');
beforeAll(async () => {
  cli = await cliDatabase();
});
afterAll(() => cli?.close());

describe.runIf(target.engine === 'postgres')('create-login-role', () => {
  const role = `anthias_login_${uniq('').replace(/\W/g, '')}`.toLowerCase().slice(0, 60);
  const as = (password: string) => {
    const url = new URL(ownerUrl());
    url.username = role;
    url.password = password;
    return postgres(url.toString(), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  };
  const admin = () => postgres(ownerUrl(), { max: 1, onnotice: () => {} });

  /**
   * The loopback here trusts every login, so a sign-in proves nothing about the password: compare
   * what PostgreSQL stored with the verifier of the password under the same salt instead.
   */
  const storedVerifierMatches = async (sql: postgres.Sql, password: string) => {
    const [row] = await sql`select rolpassword from pg_authid where rolname = ${role}`;
    const stored = String(row?.rolpassword);
    return scramVerifier(password, saltOf(stored)) === stored;
  };

  it('computes the same SCRAM verifier PostgreSQL does', async () => {
    const sql = admin();
    const probe = `anthias_scram_${uniq('').replace(/\W/g, '')}`.toLowerCase().slice(0, 60);
    try {
      await sql.unsafe(`set password_encryption = 'scram-sha-256'; create role ${probe} password 'An0ther-password-to-compare'`);
      const [row] = await sql`select rolpassword from pg_authid where rolname = ${probe}`;
      const stored = String(row?.rolpassword);
      expect(stored).toMatch(/^SCRAM-SHA-256\$4096:/);
      expect(scramVerifier('An0ther-password-to-compare', saltOf(stored))).toBe(stored);
    } finally {
      await sql.unsafe(`drop role if exists ${probe}`);
      await sql.end();
    }
  });

  afterAll(async () => {
    const sql = admin();
    await sql.unsafe(`drop owned by ${role}; drop role if exists ${role}`).catch(() => {});
    await sql.end();
  });

  it('creates a LOGIN role in anthias_app that owns nothing, cannot bypass RLS and sees no tenant rows', async () => {
    await cli.owner((db) => createTenant(db, { name: 'Seen', subdomain: uniq('t'), plan: 'professional', ownerEmail: `${uniq('o')}@example.test`, ownerPassword: 'Corr3ct-Horse-Battery' }));
    const r = await cli.cli(['create-login-role', role, '--json'], {}, 60_000, `${PASSWORD}\n`);
    expect(r.code).toBe(0);
    expect(r.stderr + r.stdout).not.toContain(PASSWORD);
    expect(JSON.parse(r.stdout)).toMatchObject({ role, created: true });

    const sql = admin();
    try {
      const [attrs] = await sql`select rolcanlogin, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb,
        pg_has_role(rolname, 'anthias_app', 'member') as member,
        (select count(*)::int from pg_class where relowner = r.oid) as owned
        from pg_roles r where rolname = ${role}`;
      expect(attrs).toEqual({ rolcanlogin: true, rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false, member: true, owned: 0 });
      expect((await sql`select count(*)::int as n from tenants`)[0]?.n).toBeGreaterThan(0);
      expect(await storedVerifierMatches(sql, PASSWORD)).toBe(true);
    } finally {
      await sql.end();
    }
    const login = as(PASSWORD);
    try {
      // No tenant in the session: Row-Level Security shows it nothing.
      expect((await login`select count(*)::int as n from tenants`)[0]?.n).toBe(0);
      expect((await login`select count(*)::int as n from audit_logs`)[0]?.n).toBe(0);
    } finally {
      await login.end();
    }
  });

  it('run again, it rotates the password (from the environment): only the new password matches what is stored', async () => {
    const next = 'the-next-login-password-42';
    const r = await cli.cli(['create-login-role', role], { ANTHIAS_LOGIN_PASSWORD: next });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('password and grants updated');
    const sql = admin();
    try {
      expect(await storedVerifierMatches(sql, next)).toBe(true);
      expect(await storedVerifierMatches(sql, PASSWORD)).toBe(false);
    } finally {
      await sql.end();
    }
    const fresh = as(next);
    expect((await fresh`select 1 as one`)[0]?.one).toBe(1);
    await fresh.end();
  });

  it.each([
    ['a bad role name', ['create-login-role', 'Bad-Name'], PASSWORD, /role name/],
    ['a short password', ['create-login-role', 'anthias_short_pw'], 'short', /at least 16/],
    ['a password that is not printable ASCII', ['create-login-role', 'anthias_ascii_pw'], 'pässwörd-pässwörd-pässwörd', /printable ASCII/],
    ['no password at all', ['create-login-role', 'anthias_no_pw'], '', /standard input held no password/],
    ['a superuser', ['create-login-role', 'postgres'], PASSWORD, /superuser/],
    ['the group itself', ['create-login-role', 'anthias_app'], PASSWORD, /group/],
  ])('refuses %s with one line, exit 2, nothing created', async (_, args, input, message) => {
    const r = await cli.cli(args, {}, 60_000, input);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const sql = admin();
    try {
      const name = args[1] ?? '';
      if (name !== 'postgres' && name !== 'anthias_app') expect(await sql`select 1 from pg_roles where rolname = ${name}`).toHaveLength(0);
    } finally {
      await sql.end();
    }
  });
});

describe.runIf(target.engine === 'pglite')('create-login-role on the embedded engine', () => {
  it('refuses: there are no roles to sign in as', async () => {
    const r = await cli.cli(['create-login-role', 'anthias_gateway'], {}, 120_000, `${PASSWORD}\n`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs PostgreSQL/);
  });
});
