import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assets } from '../../../src/db/schema/index.js';
import type { Role } from '../../../src/db/schema/index.js';
import { codes, type Harness, type SeededTenant, startHarness } from '../../support/harness.js';
import {
  anAsset, CREATE_API_KEY, CREATE_ASSET, DELETE_ASSET, GET_ASSET, LIST_ASSETS, REORDER_ASSETS, REVOKE_API_KEY, UPDATE_ASSET,
} from '../../support/operations.js';

let h: Harness;
let a: SeededTenant;
let b: SeededTenant;
let aOwner: string;
let bOwner: string;

const seedAsset = async (tenantId: string, name = 'seeded') =>
  (await h.admin.insert(assets).values({ tenantId, name, uri: 'https://x.test/s.png', mimetype: 'image' }).returning({ id: assets.id }))[0]!.id;

beforeAll(async () => {
  h = await startHarness();
  [a, b] = [await h.seedTenant(), await h.seedTenant()];
  [aOwner, bOwner] = [await h.login(a.ownerEmail), await h.login(b.ownerEmail)];
});
afterAll(() => h?.close());

type Op = 'view' | 'get' | 'create' | 'update' | 'delete' | 'reorder';
const run = async (op: Op, token: string, tenant: string) => {
  const id = await seedAsset(a.id);
  const opts = { token, tenant };
  switch (op) {
    case 'view': return h.gql(LIST_ASSETS, {}, opts);
    case 'get': return h.gql(GET_ASSET, { id }, opts);
    case 'create': return h.gql(CREATE_ASSET, { input: anAsset() }, opts);
    case 'update': return h.gql(UPDATE_ASSET, { id, input: { name: 'renamed' } }, opts);
    case 'delete': return h.gql(DELETE_ASSET, { id }, opts);
    case 'reorder': return h.gql(REORDER_ASSETS, { ids: [id] }, opts);
  }
};

describe('each role against each asset operation', () => {
  const allowed: Record<Role, Op[]> = {
    owner: ['view', 'get', 'create', 'update', 'delete', 'reorder'],
    admin: ['view', 'get', 'create', 'update', 'delete', 'reorder'],
    editor: ['view', 'get', 'create', 'update', 'delete', 'reorder'],
    viewer: ['view', 'get'],
  };
  const ops: Op[] = ['view', 'get', 'create', 'update', 'delete', 'reorder'];
  const matrix = (Object.keys(allowed) as Role[]).flatMap((role) => ops.map((op) => [role, op, allowed[role].includes(op)] as const));
  const tokens = new Map<Role, string>();

  it.each(matrix)('%s → %s: allowed=%s', async (role, op, ok) => {
    if (!tokens.has(role)) tokens.set(role, await h.login((await h.addMember(a.id, role)).email));
    const r = await run(op, tokens.get(role)!, a.subdomain);
    expect(codes(r)).toEqual(ok ? [] : ['FORBIDDEN']);
  });

  it('an inactive member, a member of another tenant and an anonymous caller are refused', async () => {
    const inactive = await h.login((await h.addMember(a.id, 'owner', { isActive: false })).email);
    expect(codes(await run('view', inactive, a.subdomain))).toEqual(['FORBIDDEN']);
    expect(codes(await run('view', bOwner, a.subdomain))).toEqual(['FORBIDDEN']);
    const anonymous = await h.gql(LIST_ASSETS, {}, { tenant: a.subdomain });
    expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);
  });

  it('extra permissions extend a role', async () => {
    const viewerPlus = await h.login((await h.addMember(a.id, 'viewer', { permissions: ['assets.create'] })).email);
    expect(codes(await run('create', viewerPlus, a.subdomain))).toEqual([]);
    expect(codes(await run('delete', viewerPlus, a.subdomain))).toEqual(['FORBIDDEN']);
  });
});

describe('API keys', () => {
  const newKey = async (permissions: string[], token = aOwner, extra: Record<string, unknown> = {}) => {
    const r = await h.gql<{ createApiKey: { secret: string; apiKey: { id: string; prefix: string } } }>(
      CREATE_API_KEY, { input: { name: 'ci', permissions, ...extra } }, { token, tenant: a.subdomain });
    expect(codes(r)).toEqual([]);
    return r.body.data!.createApiKey;
  };

  it('a key limited to assets.view can list but not create', async () => {
    const { secret, apiKey } = await newKey(['assets.view']);
    expect(secret).toMatch(new RegExp(`^anthias_ak_${apiKey.prefix}_`));
    expect(codes(await h.gql(LIST_ASSETS, {}, { token: secret }))).toEqual([]); // tenant from the key itself
    expect(codes(await h.gql(CREATE_ASSET, { input: anAsset() }, { token: secret }))).toEqual(['FORBIDDEN']);
  });

  it('a key never lists its secret, and carries no more than its creator may', async () => {
    const listed = await h.gql<{ apiKeys: Record<string, unknown>[] }>('{ apiKeys { id name prefix permissions } }', {}, { token: aOwner, tenant: a.subdomain });
    expect(JSON.stringify(listed.body.data)).not.toContain('anthias_ak_');
    const keyManager = await h.login((await h.addMember(a.id, 'viewer', { permissions: ['apikeys.manage'] })).email);
    const beyond = await h.gql(CREATE_API_KEY, { input: { name: 'x', permissions: ['assets.create'] } }, { token: keyManager, tenant: a.subdomain });
    expect(codes(beyond)).toEqual(['FORBIDDEN']);
    const unknown = await h.gql(CREATE_API_KEY, { input: { name: 'x', permissions: ['assets.fly'] } }, { token: aOwner, tenant: a.subdomain });
    expect(codes(unknown)).toEqual(['BAD_USER_INPUT']);
    const past = await h.gql(CREATE_API_KEY, { input: { name: 'x', permissions: ['assets.view'], expiresAt: '2020-01-01T00:00:00Z' } }, { token: aOwner, tenant: a.subdomain });
    expect(codes(past)).toEqual(['BAD_USER_INPUT']);
    const editor = await h.login((await h.addMember(a.id, 'editor')).email);
    expect(codes(await h.gql(CREATE_API_KEY, { input: { name: 'x', permissions: ['assets.view'] } }, { token: editor, tenant: a.subdomain }))).toEqual(['FORBIDDEN']);
  });

  it("a key loses what its creator loses", async () => {
    const admin = await h.addMember(a.id, 'admin');
    const { secret } = await newKey(['assets.view', 'assets.create'], await h.login(admin.email));
    expect(codes(await h.gql(CREATE_ASSET, { input: anAsset() }, { token: secret }))).toEqual([]);
    const demoted = await h.gql('mutation($u: ID!) { updateMemberRole(userId: $u, role: viewer) { role } }', { u: admin.userId }, { token: aOwner, tenant: a.subdomain });
    expect(codes(demoted)).toEqual([]);
    expect(codes(await h.gql(CREATE_ASSET, { input: anAsset() }, { token: secret }))).toEqual(['FORBIDDEN']);
    expect(codes(await h.gql(LIST_ASSETS, {}, { token: secret }))).toEqual([]);
  });

  it('a revoked key and an expired key are refused at once', async () => {
    const revoked = await newKey(['assets.view']);
    expect(codes(await h.gql(LIST_ASSETS, {}, { token: revoked.secret }))).toEqual([]);
    expect(codes(await h.gql(REVOKE_API_KEY, { id: revoked.apiKey.id }, { token: aOwner, tenant: a.subdomain }))).toEqual([]);
    const afterRevoke = await h.gql(LIST_ASSETS, {}, { token: revoked.secret });
    expect(afterRevoke.status).toBe(401);
    expect(codes(afterRevoke)).toEqual(['UNAUTHENTICATED']);

    const expiring = await newKey(['assets.view'], aOwner, { expiresAt: new Date(Date.now() + 1_500).toISOString() });
    expect(codes(await h.gql(LIST_ASSETS, {}, { token: expiring.secret }))).toEqual([]); // now cached in-process
    await sleep(1_600);
    expect(codes(await h.gql(LIST_ASSETS, {}, { token: expiring.secret }))).toEqual(['UNAUTHENTICATED']);
  });

  it('a key with a wrong secret or of another tenant is refused', async () => {
    const { secret } = await newKey(['assets.view']);
    const tampered = `${secret.slice(0, -4)}AAAA`;
    expect(codes(await h.gql(LIST_ASSETS, {}, { token: tampered }))).toEqual(['UNAUTHENTICATED']);
    const crossed = await h.gql(LIST_ASSETS, {}, { token: secret, tenant: b.subdomain });
    expect(crossed.status).toBe(403);
    expect(codes(crossed)).toEqual(['FORBIDDEN']);
  });
});

describe("isolation: tenant B's member asking for tenant A's asset", () => {
  it('sees null / NOT_FOUND exactly as for a missing asset, and changes nothing', async () => {
    const id = await seedAsset(a.id, 'a-private');
    const missing = '00000000-0000-4000-8000-000000000000';
    const opts = { token: bOwner, tenant: b.subdomain };
    for (const target of [id, missing]) {
      expect((await h.gql<{ asset: unknown }>(GET_ASSET, { id: target }, opts)).body).toEqual({ data: { asset: null } });
      const update = await h.gql(UPDATE_ASSET, { id: target, input: { name: 'pwned' } }, opts);
      const del = await h.gql(DELETE_ASSET, { id: target }, opts);
      const reorder = await h.gql(REORDER_ASSETS, { ids: [target] }, opts);
      for (const r of [update, del, reorder]) {
        expect(codes(r)).toEqual(['NOT_FOUND']);
        expect(r.body.errors?.[0]?.message).toBe('Asset not found');
      }
    }
    const [row] = await h.admin.select().from(assets).where(eq(assets.id, id));
    expect(row).toMatchObject({ name: 'a-private', playOrder: 0 });
  });

  it("B's token with A's X-Tenant-ID is FORBIDDEN", async () => {
    expect(codes(await h.gql(LIST_ASSETS, {}, { token: bOwner, tenant: a.id }))).toEqual(['FORBIDDEN']);
  });

  it("B's list never contains A's assets", async () => {
    await seedAsset(a.id, 'only-in-a');
    const r = await h.gql<{ assets: { edges: { node: { name: string } }[] } }>(LIST_ASSETS, { first: 100 }, { token: bOwner, tenant: b.subdomain });
    expect(r.body.data!.assets.edges.map((e) => e.node.name)).not.toContain('only-in-a');
  });
});

describe('sessions', () => {
  it('a session token is refused after logout', async () => {
    const token = await h.login(a.ownerEmail);
    expect(codes(await h.gql('mutation { logout }', {}, { token }))).toEqual([]);
    const after = await h.gql(LIST_ASSETS, {}, { token, tenant: a.subdomain });
    expect(after.status).toBe(401);
    expect(codes(after)).toEqual(['UNAUTHENTICATED']);
  });

  it('a malformed Authorization header is UNAUTHENTICATED', async () => {
    for (const value of ['Bearer', 'Basic abc', 'Bearer anthias_st_short', 'Bearer anthias_ak_zz_zz']) {
      const r = await h.gql(LIST_ASSETS, {}, { tenant: a.subdomain, headers: { authorization: value } });
      expect(codes(r)).toEqual(['UNAUTHENTICATED']);
    }
  });
});
