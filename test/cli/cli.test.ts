import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest, MANIFEST_PATH } from '../../src/persisted/manifest.js';
import { runCli } from '../support/cli.js';
import { type CliDatabase, cliDatabase } from '../support/cli-database.js';
import { PASSWORD, uniq } from '../support/harness.js';

// The CLI gets a database of its own: these tests switch RLS off and on. Its first test migrates it.
let d: CliDatabase;
beforeAll(async () => {
  d = await cliDatabase({ migrated: false });
});
afterAll(() => d?.close());

// The owner's password comes from the environment (never the command line).
const cli = (...args: string[]) => runCli(args, { ...d.env, ANTHIAS_OWNER_PASSWORD: PASSWORD });
const ownerArgs = (sub: string, extra: string[] = []) => [
  'create-tenant', `Org ${sub}`, sub, '--plan', 'basic', '--owner-email', `${sub}@example.test`,
  '--contact-email', `ops-${sub}@example.test`, ...extra,
];

const ownerSql = (statement: string) => d.owner((db) => db.execute(sql.raw(statement)));

describe('anthias CLI', () => {
  it('migrates, and a second migrate is a no-op', async () => {
    expect(await cli('migrate')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^applied \d+ migrations; the database is at \d{4}_\w+\n$/) });
    expect(await cli('migrate')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^nothing to apply: the database is at \d{4}_\w+\n$/) });
  });

  it('rls validate reports every table and passes on a migrated database', async () => {
    const r = await cli('rls', 'validate');
    expect(r.code).toBe(0);
    for (const table of ['tenants', 'users', 'tenant_users', 'tenant_domains', 'assets', 'devices', 'qr_contents', 'api_keys', 'audit_logs']) {
      expect(r.stdout).toMatch(new RegExp(`^${table}\\s.*ok$`, 'm'));
    }
    expect(r.stdout).toContain('RLS validation passed');
    const json = JSON.parse((await cli('rls', 'validate', '--json')).stdout) as { ok: boolean; tables: { table: string; grants: string[] }[] };
    expect(json.ok).toBe(true);
    expect(json.tables.find((t) => t.table === 'audit_logs')?.grants).toEqual(['SELECT', 'INSERT']);
  });

  it('rls validate fails on a table whose RLS was disabled, and passes after rls setup', async () => {
    await ownerSql('alter table assets disable row level security');
    const broken = await cli('rls', 'validate');
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^assets\s.*GAP: row level security is disabled/m);
    expect(broken.stdout).toContain('RLS validation FAILED');
    await ownerSql('alter table devices no force row level security');
    await ownerSql('grant truncate on qr_contents to anthias_app');
    const worse = await cli('rls', 'validate', '--json');
    expect(worse.code).toBe(1);
    const problems = Object.fromEntries(
      (JSON.parse(worse.stdout) as { tables: { table: string; problems: string[] }[] }).tables.map((t) => [t.table, t.problems]),
    );
    expect(problems.devices).toContain('row level security is not forced');
    expect(problems.qr_contents).toContain('grants TRUNCATE');
    expect(await cli('rls', 'setup', '--all-tables')).toMatchObject({ code: 0 });
    expect((await cli('rls', 'validate')).code).toBe(0);
  });

  it('creates a tenant, lists it plainly and as JSON, and validates it', async () => {
    const sub = uniq('cli');
    const created = await cli(...ownerArgs(sub, ['--max-assets', '50']));
    expect(created.code).toBe(0);
    const [id, shown] = created.stdout.trim().split(' ');
    expect(shown).toBe(sub);
    const listed = await cli('list-tenants');
    expect(listed.stdout.split('\n')).toContain(`${id} ${sub}`);
    const json = JSON.parse((await cli('list-tenants', '--json')).stdout) as { id: string; subdomain: string; plan: string }[];
    expect(json.find((t) => t.id === id)).toMatchObject({ subdomain: sub, plan: 'basic' });
    const valid = await cli('validate-tenant', sub);
    expect(valid.code).toBe(0);
    expect(valid.stdout).toMatch(/^assets\s+ok\s+0 of 50$/m);
    expect(valid.stdout).toMatch(/^active owner\s+ok/m);
  });

  it('suspends and reactivates; list --active and validate-tenant notice', async () => {
    const sub = uniq('sus');
    const [id] = (await cli(...ownerArgs(sub))).stdout.trim().split(' ');
    expect((await cli('suspend-tenant', sub, '--reason', 'unpaid invoice')).code).toBe(0);
    expect((await cli('list-tenants', '--active')).stdout).not.toContain(`${id} ${sub}`);
    const invalid = await cli('validate-tenant', sub);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toMatch(/^active\s+FAIL\s+suspended$/m);
    expect((await cli('reactivate-tenant', sub)).code).toBe(0);
    expect((await cli('list-tenants', '--active')).stdout).toContain(`${id} ${sub}`);
  });

  let taken: string;
  it('creates the tenant whose subdomain the next cases find taken', async () => {
    taken = uniq('tk');
    expect((await cli(...ownerArgs(taken))).code).toBe(0);
  });

  it.each([
    ['a taken subdomain', (sub: string) => ownerArgs(sub), /subdomain: ".*" is taken/],
    ['a malformed subdomain', () => ownerArgs('Bad_Sub'), /subdomain: must be 1-63 lowercase/],
    ['a subdomain ending in a hyphen', () => ownerArgs('acme-'), /subdomain: must be 1-63 lowercase/],
    ['a reserved subdomain', () => ownerArgs('admin'), /subdomain: "admin" is reserved/],
    ['an unknown plan', () => ['create-tenant', 'Org', uniq('p'), '--plan', 'gold', '--owner-email', 'x@example.test'], /plan: must be one of/],
    ['a weak password', () => ['create-tenant', 'Org', uniq('w'), '--plan', 'basic', '--owner-email', 'x@example.test'], /owner-password: must be at least 10/, 'password'],
    ['a password of one kind', () => ['create-tenant', 'Org', uniq('w'), '--plan', 'basic', '--owner-email', 'x@example.test'], /owner-password: must mix/, 'aaaaaaaaaaaa'],
    ['a malformed email', () => ['create-tenant', 'Org', uniq('e'), '--plan', 'basic', '--owner-email', 'not-an-email'], /owner-email: is not a valid email/],
    ['a malformed contact email', () => ['create-tenant', 'Org', uniq('e'), '--plan', 'basic', '--owner-email', 'ok@example.test', '--contact-email', 'nope'], /contact-email: is not a valid email/],
    ['a missing option', () => ['create-tenant', 'Org', uniq('m'), '--plan', 'basic'], /required option/],
  ])('refuses %s with one line, exit 2, and writes nothing', async (_name, args, message, password = PASSWORD) => {
    const before = (await cli('list-tenants')).stdout;
    const r = await runCli(args(taken), { ...d.env, ANTHIAS_OWNER_PASSWORD: password });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect((await cli('list-tenants')).stdout).toBe(before);
  });

  it('retires a trusted document in the manifest it is given, and refuses an unknown hash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anthias-manifest-'));
    const copy = join(dir, 'manifest.json');
    copyFileSync(MANIFEST_PATH, copy);
    const [hash] = Object.keys(JSON.parse(readFileSync(copy, 'utf8')) as Record<string, unknown>);
    const r = await cli('retire-persisted-query', hash!, '--manifest', copy);
    expect(r.code).toBe(0);
    expect(loadManifest(copy).has(hash!)).toBe(false);
    expect((await cli('retire-persisted-query', 'f'.repeat(64), '--manifest', copy)).code).toBe(2);
    rmSync(dir, { recursive: true, force: true });
  });

  it('set-plan changes the plan and overrides; bad plans and numbers exit 2', async () => {
    const sub = uniq('plan');
    await cli(...ownerArgs(sub));
    expect((await cli('set-plan', sub, 'enterprise', '--max-assets', '7')).code).toBe(0);
    expect((await cli('validate-tenant', sub)).stdout).toMatch(/^assets\s+ok\s+0 of 7$/m);
    expect((await cli('validate-tenant', sub)).stdout).toMatch(/^devices\s+ok\s+0 of 1000$/m);
    expect((await cli('set-plan', sub, 'platinum')).code).toBe(2);
    expect((await cli('set-plan', sub, 'basic', '--max-users', 'lots')).code).toBe(2);
    expect((await cli('set-plan', 'no-such-tenant', 'basic')).code).toBe(2);
  });

  it('bulk-create-tenants creates every row with an owner invitation, or none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anthias-csv-'));
    const [s1, s2] = [uniq('bulk'), uniq('bulk')];
    const header = 'name,subdomain,plan_type,contact_email,max_assets,max_users';
    const good = join(dir, 'good.csv');
    writeFileSync(good, `${header}\nFirst Co,${s1},basic,one@${s1}.test,50,3\nSecond Co,${s2},enterprise,two@${s2}.test,,\n`);
    const r = await cli('bulk-create-tenants', good);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => l.split(' ')[1])).toEqual([s1, s2]);
    expect(r.stderr).toContain(`one@${s1}.test`); // no SMTP here: the invitation mail goes to the log
    expect((await cli('validate-tenant', s1)).stdout).toMatch(/^assets\s+ok\s+0 of 50$/m);

    const before = (await cli('list-tenants')).stdout;
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, `${header}\nFine Co,${uniq('ok')},basic,ok@x.test,,\nBad Co,Bad_Sub,basic,bad@x.test,,\n`);
    const refused = await cli('bulk-create-tenants', bad);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/line 3: subdomain/);
    const taken = join(dir, 'taken.csv');
    writeFileSync(taken, `${header}\nFresh Co,${uniq('ok')},basic,ok@x.test,,\nAgain Co,${s1},basic,a@x.test,,\n`);
    expect((await cli('bulk-create-tenants', taken)).code).toBe(2);
    expect((await cli('list-tenants')).stdout).toBe(before);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an unknown tenant in validate-tenant with exit 2', async () => {
    const r = await cli('validate-tenant', 'no-such-tenant');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no tenant "no-such-tenant"/);
  });

  it('reports an unreachable database in one line with exit 2', async () => {
    const r = await runCli(['list-tenants'], { MIGRATION_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^error: cannot reach the database \(ECONNREFUSED\)$/);
  });

  it('names each bad variable and exits 2 on bad configuration', async () => {
    const r = await runCli(['list-tenants'], { DB_POOL_SIZE: 'many', DATABASE_URL: 'mysql://x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('DB_POOL_SIZE');
    expect(r.stderr).toContain('DATABASE_URL');
  });
});
