import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { codes, type Harness, type SeededTenant, startHarness, uniq } from '../support/harness.js';
import { CREATE_API_KEY, LIST_ASSETS, REVOKE_API_KEY } from '../support/operations.js';

// Two gateway instances behind one Redis and one PostgreSQL, as in production.
const shared = inject('testDatabase');
const multiInstance = shared.engine === 'postgres' && Boolean(shared.redisUrl);

describe.runIf(multiInstance)('invalidation across instances', () => {
  let a: Harness;
  let b: Harness;
  let t: SeededTenant;
  let owner: string;
  beforeAll(async () => {
    const prefix = `${uniq('anthias-shared-')}:`;
    a = await startHarness({ REDIS_PREFIX: prefix });
    b = await startHarness({ REDIS_PREFIX: prefix });
    t = await a.seedTenant();
    owner = await a.login(t.ownerEmail);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('a key revoked on one instance is refused at once by another that had it cached', async () => {
    const created = await a.gql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
      CREATE_API_KEY, { input: { name: 'x', permissions: ['assets.view'] } }, { token: owner, tenant: t.subdomain });
    const { secret, apiKey } = created.body.data!.createApiKey;
    expect(codes(await b.gql(LIST_ASSETS, {}, { token: secret }))).toEqual([]); // cached in b now
    expect(codes(await a.gql(REVOKE_API_KEY, { id: apiKey.id }, { token: owner, tenant: t.subdomain }))).toEqual([]);
    await new Promise((r) => setTimeout(r, 100)); // pub/sub delivery
    expect(codes(await b.gql(LIST_ASSETS, {}, { token: secret }))).toEqual(['UNAUTHENTICATED']);
  });

  it('a session logged out on one instance is refused by the other', async () => {
    const token = await a.login(t.ownerEmail);
    expect(codes(await b.gql(LIST_ASSETS, {}, { token, tenant: t.subdomain }))).toEqual([]);
    await a.gql('mutation { logout }', {}, { token });
    await new Promise((r) => setTimeout(r, 100));
    expect(codes(await b.gql(LIST_ASSETS, {}, { token, tenant: t.subdomain }))).toEqual(['UNAUTHENTICATED']);
  });

  it('a member deactivated on one instance loses access on the other', async () => {
    const editor = await a.addMember(t.id, 'editor');
    const token = await a.login(editor.email);
    expect(codes(await b.gql(LIST_ASSETS, {}, { token, tenant: t.subdomain }))).toEqual([]);
    await a.gql('mutation($u: ID!) { deactivateMember(userId: $u) { isActive } }', { u: editor.userId }, { token: owner, tenant: t.subdomain });
    await new Promise((r) => setTimeout(r, 100));
    expect(codes(await b.gql(LIST_ASSETS, {}, { token, tenant: t.subdomain }))).toEqual(['FORBIDDEN']);
  });
});
