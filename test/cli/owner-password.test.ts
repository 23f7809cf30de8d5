import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/auth/passwords.js';
import { users } from '../../src/db/schema/index.js';
import { type CliResult, runCli } from '../support/cli.js';
import { type CliDatabase, cliDatabase } from '../support/cli-database.js';
import { PASSWORD, startHarness, uniq } from '../support/harness.js';

// A password on a command line is visible to every user of the machine (ps, /proc) and kept in
// shell histories: create-tenant takes it from standard input or the environment, or invites the owner.
let d: CliDatabase;
beforeAll(async () => {
  d = await cliDatabase();
});
afterAll(() => d?.close());

const cli = (args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<CliResult> =>
  runCli(args, { LOG_LEVEL: 'warn', ...d.env, ...opts.env }, 120_000, opts.input);

const create = (sub: string, email: string, extra: string[] = []) => ['create-tenant', `Org ${sub}`, sub, '--plan', 'basic', '--owner-email', email, ...extra];
const storedPassword = (email: string) =>
  d.owner(async (db) => (await db.select({ hash: users.passwordHash }).from(users).where(eq(users.email, email)))[0]?.hash);

describe('create-tenant and the owner password', () => {
  it('refuses --owner-password: passwords do not travel on command lines', async () => {
    const r = await cli(create(uniq('cl'), 'x@example.test', ['--owner-password', PASSWORD]));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--owner-password'/);
  });

  it('reads it from standard input with --password-stdin', async () => {
    const sub = uniq('in');
    const email = `${sub}@example.test`;
    const r = await cli(create(sub, email, ['--password-stdin']), { input: `${PASSWORD}\n` });
    expect(r).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^[0-9a-f-]{36} ${sub}\n$`)) });
    expect(await verifyPassword((await storedPassword(email))!, PASSWORD)).toBe(true);
    expect((await cli(['validate-tenant', sub])).stdout).toMatch(/^active owner\s+ok/m);
  });

  it('refuses a weak or empty password from standard input, writing nothing', async () => {
    const sub = uniq('weak');
    const weak = await cli(create(sub, `${sub}@example.test`, ['--password-stdin']), { input: 'password\n' });
    expect(weak.code).toBe(2);
    expect(weak.stderr).toMatch(/owner-password: must be at least 10/);
    const empty = await cli(create(sub, `${sub}@example.test`, ['--password-stdin']));
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/standard input held no owner's password/);
    expect((await cli(['list-tenants'])).stdout).not.toContain(sub);
  });

  it('reads it from ANTHIAS_OWNER_PASSWORD', async () => {
    const sub = uniq('env');
    const email = `${sub}@example.test`;
    expect((await cli(create(sub, email), { env: { ANTHIAS_OWNER_PASSWORD: PASSWORD } })).code).toBe(0);
    expect(await verifyPassword((await storedPassword(email))!, PASSWORD)).toBe(true);
  });

  it('invites the owner when no password is given; validate-tenant says how to add one; the mailed invitation makes the owner', { timeout: 180_000 }, async () => {
    const sub = uniq('inv');
    const email = `${sub}@example.test`;
    const r = await cli(create(sub, email), { env: { NODE_ENV: 'development' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^[0-9a-f-]{36} ${sub}\n$`));
    expect(await storedPassword(email)).toBeUndefined(); // no account until the invitation is accepted
    const token = /acceptInvitation\(token: \\?"([A-Za-z0-9_-]+)\\?"\)/.exec(r.stderr)?.[1];
    expect(token).toBeDefined();

    const pending = await cli(['validate-tenant', sub]);
    expect(pending.code).toBe(1);
    expect(pending.stdout).toMatch(/^active owner\s+FAIL\s+.*1 owner invitation pending/m);
    expect(pending.stdout).toContain(`anthias add-owner ${sub} --email`);

    const h = await startHarness(d.env);
    try {
      const accepted = await h.gql('mutation($t: String!, $p: String) { acceptInvitation(token: $t, password: $p) { newAccount role } }', { t: token, p: PASSWORD });
      expect(accepted.body.data?.acceptInvitation).toEqual({ newAccount: true, role: 'owner' });
    } finally {
      await h.close();
    }
    expect((await cli(['validate-tenant', sub])).stdout).toMatch(/^active owner\s+ok/m);
  });
});
