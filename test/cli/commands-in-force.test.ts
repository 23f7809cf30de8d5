import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { runCli } from '../support/cli.js';
import { codes, type Harness, type SeededTenant, startHarness } from '../support/harness.js';

// A running gateway and an operator's command in another process, as in production. The embedded
// engine admits one process at a time, so this needs PostgreSQL.
const target = inject('testDatabase');

describe.runIf(target.engine === 'postgres')('operator commands reach running gateways', () => {
  let h: Harness;
  let t: SeededTenant;
  let token: string;
  beforeAll(async () => {
    h = await startHarness();
    t = await h.seedTenant();
    token = await h.login(t.ownerEmail);
  });
  afterAll(() => h?.close());

  // Only the database: the command knows nothing of the gateways' Redis (or has none of its own).
  const cli = (...args: string[]) =>
    runCli(args, target.engine === 'postgres' ? { MIGRATION_DATABASE_URL: target.migrationUrl, DATABASE_URL: target.runtimeUrl } : {});

  it('suspend-tenant without REDIS_URL takes effect on a gateway that uses Redis, and reactivation too', async () => {
    const current = '{ currentTenant { plan } }';
    expect(codes(await h.gql(current, {}, { token, tenant: t.subdomain }))).toEqual([]); // resolution cached now

    expect((await cli('suspend-tenant', t.subdomain, '--reason', 'unpaid')).code).toBe(0);
    await expect.poll(async () => codes(await h.gql(current, {}, { token, tenant: t.subdomain })), { timeout: 2_000 }).toEqual(['TENANT_SUSPENDED']);
    const login = await h.gql('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: t.ownerEmail, p: t.password }, { tenant: t.subdomain });
    expect(codes(login)).toEqual(['TENANT_SUSPENDED']);

    expect((await cli('reactivate-tenant', t.subdomain)).code).toBe(0);
    await expect.poll(async () => codes(await h.gql(current, {}, { token, tenant: t.subdomain })), { timeout: 2_000 }).toEqual([]);
  });

  it('rename-tenant without REDIS_URL makes the old subdomain stop resolving at once', async () => {
    const other = await h.seedTenant();
    const owner = await h.login(other.ownerEmail);
    expect(codes(await h.gql('{ currentTenant { id } }', {}, { token: owner, tenant: other.subdomain }))).toEqual([]);
    const renamed = `${other.subdomain}x`;
    expect((await cli('rename-tenant', other.subdomain, renamed)).code).toBe(0);
    await expect.poll(async () => codes(await h.gql('{ currentTenant { id } }', {}, { token: owner, tenant: other.subdomain })), { timeout: 2_000 }).toEqual(['TENANT_NOT_FOUND']);
    expect(codes(await h.gql('{ currentTenant { id } }', {}, { token: owner, tenant: renamed }))).toEqual([]);
  });
});
