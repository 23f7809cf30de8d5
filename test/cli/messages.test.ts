import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { type CliDatabase, cliDatabase } from '../support/cli-database.js';
import { withDatabase } from '../support/global-setup.js';
import { codes, startHarness, uniq } from '../support/harness.js';

// What an operator reads when something is wrong: one line naming the problem and its fix.
const target = inject('testDatabase');
const pg = target.engine === 'postgres' ? target : null;
const root = fileURLToPath(new URL('../..', import.meta.url));
const opened: CliDatabase[] = [];
const fresh = async (opts: { migrated: boolean }) => {
  const d = await cliDatabase(opts);
  opened.push(d);
  return d;
};
afterAll(() => Promise.all(opened.map((d) => d.close())));

const oneLine = (stderr: string) => expect(stderr.trim().split('\n')).toHaveLength(1);

/** `src/main.ts` with only this environment, expected to give up: its exit code and output (killed after 60 s). */
function startExpectingExit(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', INTERNAL_PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

describe('command messages', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { version: string };
    expect(await runCli(['--version'], {})).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('an unmigrated database says to run anthias migrate, not a query dump; migrate says what it did', { timeout: 180_000 }, async () => {
    const d = await fresh({ migrated: false });
    const listed = await d.cli(['list-tenants']);
    expect(listed.code).toBe(2);
    oneLine(listed.stderr);
    expect(listed.stderr).toMatch(/^error: the database is not migrated .*run `anthias migrate`/);
    expect(listed.stderr).not.toMatch(/Failed query|select/i);
    expect((await d.cli(['migrate'])).stdout).toMatch(/^applied \d+ migrations; the database is at \d{4}_\w+\n$/);
    expect((await d.cli(['migrate'])).stdout).toMatch(/^nothing to apply: the database is at \d{4}_\w+\n$/);
    expect(await d.cli(['list-tenants'])).toMatchObject({ code: 0 });
  });

  it.runIf(pg)('a database or role that does not exist is named, not shown as an SQLSTATE', async () => {
    const missing = `anthias_missing_${uniq('')}`;
    const noDb = await runCli(['list-tenants'], { MIGRATION_DATABASE_URL: withDatabase(pg!.adminUrl, missing) });
    expect(noDb.code).toBe(2);
    oneLine(noDb.stderr);
    expect(noDb.stderr).toMatch(new RegExp(`^error: database "${missing}" does not exist`));
    expect(noDb.stderr).not.toMatch(/3D000/);
    const url = new URL(pg!.adminUrl);
    url.username = `nobody_${uniq('')}`;
    const noRole = await runCli(['list-tenants'], { MIGRATION_DATABASE_URL: url.toString() });
    expect(noRole.code).toBe(2);
    oneLine(noRole.stderr);
    expect(noRole.stderr).toMatch(/^error: (role ".*" does not exist|password authentication failed)/);
    expect(noRole.stderr).not.toMatch(/28000|28P01/);
  });
});

describe('gateway start', () => {
  it('an unreachable DATABASE_URL stops the start with one line, before listening', { timeout: 120_000 }, async () => {
    const exit = await startExpectingExit({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/^cannot start: cannot reach the database \(ECONNREFUSED\)/m);
    expect(exit.stdout).not.toContain('gateway listening');
  });

  it.runIf(pg)('a database that does not exist, or is not migrated, stops the start saying so', { timeout: 120_000 }, async () => {
    const missing = await startExpectingExit({ DATABASE_URL: withDatabase(pg!.adminUrl, `anthias_missing_${uniq('')}`) });
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringMatching(/^cannot start: database "anthias_missing_\w+" does not exist/m) });
    const d = await fresh({ migrated: false });
    const unmigrated = await startExpectingExit({ DATABASE_URL: d.env.DATABASE_URL! });
    expect(unmigrated).toMatchObject({ code: 1, stderr: expect.stringMatching(/^cannot start: the database is not migrated .*run `anthias migrate`/m) });
    expect(unmigrated.stdout).not.toContain('gateway listening');
  });
});

describe('client errors', () => {
  it('never carry SQL, in development either', { timeout: 120_000 }, async () => {
    const d = await fresh({ migrated: true });
    const h = await startHarness({ ...d.env, NODE_ENV: 'development' });
    try {
      const t = await h.seedTenant();
      const token = await h.login(t.ownerEmail);
      // A schema the code does not expect: every statement on the table fails in PostgreSQL.
      await h.admin.execute(sql.raw('alter table qr_contents rename column target_url to target_url_gone'));
      const r = await h.gql('{ qrContents(first: 5) { nodes { id } } }', {}, { token, tenant: t.subdomain });
      expect(codes(r)).toEqual(['INTERNAL_SERVER_ERROR']);
      const message = r.body.errors![0]!.message;
      expect(message).toMatch(/target_url/); // the database's own words stay, in development
      expect(message).not.toMatch(/Failed query|select |params:/i);
    } finally {
      await h.close();
    }
  });
});

describe('device client', () => {
  it('accepts GATEWAY_URL without /graphql', { timeout: 120_000 }, async () => {
    const h = await startHarness();
    const child = spawn(process.execPath, ['--import', 'tsx', 'clients/device/player.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', GATEWAY_URL: h.url.replace(/\/graphql$/, ''), RUN_MINUTES: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await expect.poll(() => out, { timeout: 60_000 }).toMatch(/Pairing code: \S+|Not found|HTTP_404|Error/i);
      expect(out).toMatch(/^Pairing code: [A-Z0-9]{4}-[A-Z0-9]{4}/m);
    } finally {
      child.kill('SIGKILL');
      await exited;
      await h.close();
    }
  });
});
