import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliDatabase, cliDatabase } from '../support/cli-database.js';
import { uniq } from '../support/harness.js';

let d: CliDatabase;
let dir: string;
beforeAll(async () => {
  d = await cliDatabase();
  dir = mkdtempSync(join(tmpdir(), 'anthias-csv-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await d?.close();
});

const HEADER = 'name,subdomain,plan_type,contact_email,max_assets,max_users';
const csv = (text: string) => {
  const file = join(dir, `${uniq('f')}.csv`);
  writeFileSync(file, text);
  return file;
};
const bulk = (text: string) => d.cli(['bulk-create-tenants', csv(text)]);
const tenants = async () => (await d.cli(['list-tenants'])).stdout;

describe('bulk-create-tenants', () => {
  it('reports every bad row and field at once, and creates nothing', async () => {
    const taken = uniq('tk');
    expect((await bulk(`${HEADER}\nTaken Co,${taken},basic,t@x.test,,\n`)).code).toBe(0);
    const before = await tenants();
    const good = uniq('ok');
    const r = await bulk(
      `${HEADER}\n` +
        `Good Co,${good},basic,ok@x.test,,\n` +
        'Bad Co,Bad_Sub,gold,not-an-email,x,\n' +
        `,${uniq('ok')},basic,fine@x.test,,-1\n` +
        `Again Co,${good},basic,d@x.test,,\n` +
        `Taken Again,${taken},basic,a@x.test,,\n`,
    );
    expect(r.code).toBe(2);
    for (const problem of [
      /line 3: subdomain: must be 1-63 lowercase/,
      /line 3: plan_type: must be one of/,
      /line 3: contact_email: is not a valid email/,
      /line 3: max_assets: must be a whole number/,
      /line 4: name: must not be empty/,
      /line 4: max_users: must be a whole number/,
      /line 5: subdomain: ".*" appears twice in the file \(line 2\)/,
      new RegExp(`line 6: subdomain: "${taken}" is taken`),
    ]) {
      expect(r.stderr).toMatch(problem);
    }
    expect(r.stderr).not.toMatch(/line 2:/);
    expect(await tenants()).toBe(before);
  });

  it.each([
    ['a missing column', 'name,subdomain,plan_type\nAcme,acme,basic\n', /header: missing column contact_email/],
    ['an unknown column', 'name,subdomain,plan,contact_email\nAcme,acme,basic,a@x.test\n', /header: missing column plan_type; unknown column plan/],
    ['the wrong separator', 'name;subdomain;plan_type;contact_email\nAcme;acme;basic;a@x.test\n', /header: .*separated by ";".*must be separated by commas/],
  ])('checks the header first: %s', async (_name, text, message) => {
    const before = await tenants();
    const r = await bulk(text);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/line \d/);
    expect(await tenants()).toBe(before);
  });
});

describe('set-plan', () => {
  let sub: string;
  beforeAll(async () => {
    sub = uniq('plan');
    // The owner's pending invitation holds a seat: one user in use.
    expect((await bulk(`${HEADER}\nPlan Co,${sub},professional,owner@${sub}.test,,\n`)).code).toBe(0);
  });

  it('refuses a limit below current usage without --force, and warns with it', async () => {
    const refused = await d.cli(['set-plan', sub, 'basic', '--max-users', '0']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/max-users 0 is below the 1 in use.*--force/);
    const unchanged = await d.cli(['validate-tenant', sub]);
    expect(unchanged.stdout).toMatch(/^users\s+ok\s+0 of 25$/m);
    const forced = await d.cli(['set-plan', sub, 'basic', '--max-users', '0', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(/warning: max-users 0 is below the 1 in use/);
    expect((await d.cli(['validate-tenant', sub])).stdout).toMatch(/^users\s+ok\s+0 of 0$/m);
  });

  it('--clear-overrides returns the tenant to its plan limits', async () => {
    expect((await d.cli(['set-plan', sub, 'basic', '--max-assets', '7', '--max-users', '9'])).code).toBe(0);
    expect((await d.cli(['validate-tenant', sub])).stdout).toMatch(/^assets\s+ok\s+0 of 7$/m);
    expect((await d.cli(['set-plan', sub, 'basic', '--clear-overrides'])).code).toBe(0);
    const cleared = (await d.cli(['validate-tenant', sub])).stdout;
    expect(cleared).toMatch(/^assets\s+ok\s+0 of 100$/m);
    expect(cleared).toMatch(/^users\s+ok\s+0 of 5$/m);
  });
});
