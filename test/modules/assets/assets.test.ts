import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assets, auditLogs } from '../../../src/db/schema/index.js';
import { eq } from 'drizzle-orm';
import { codes, type GqlResult, type Harness, type Member, type SeededTenant, startHarness, statements } from '../../support/harness.js';
import {
  anAsset, CREATE_ASSET, DELETE_ASSET, GET_ASSET, LIST_ASSETS, REORDER_ASSETS, UPDATE_ASSET,
} from '../../support/operations.js';

type AssetOut = Record<string, unknown> & { id: string; name: string; playOrder: number; createdBy: { id: string } | null };
type ListOut = {
  assets: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { cursor: string; node: AssetOut }[] };
};

let h: Harness;
let t: SeededTenant;
let editor: Member;
let token: string;

beforeAll(async () => {
  h = await startHarness();
  t = await h.seedTenant();
  editor = await h.addMember(t.id, 'editor');
  token = await h.login(editor.email);
});
afterAll(() => h?.close());

const as = { get opts() { return { token, tenant: t.subdomain }; } };
const create = async (input: Record<string, unknown>) =>
  h.gql<{ createAsset: AssetOut }>(CREATE_ASSET, { input: anAsset(input) }, as.opts);

describe('asset CRUD', () => {
  it('creates with server-set tenant, creator and play order, reads, updates and deletes', async () => {
    const created = await create({
      name: 'Menu', startDate: '2026-01-01T00:00:00Z', endDate: '2027-01-01T00:00:00Z', isEnabled: true,
      playDays: [5, 1, 3], playTimeFrom: '08:00', playTimeTo: '18:30', labels: ['lobby', 'floor-2'], md5: 'd41d8cd98f00b204e9800998ecf8427e',
    });
    expect(codes(created)).toEqual([]);
    const a = created.body.data!.createAsset;
    expect(a).toMatchObject({ name: 'Menu', playDays: [1, 3, 5], playTimeFrom: '08:00', playTimeTo: '18:30', labels: ['floor-2', 'lobby'] });
    expect(a.createdBy?.id).toBe(editor.userId);
    const second = (await create({ name: 'Second' })).body.data!.createAsset;
    expect(second.playOrder).toBe(a.playOrder + 1);

    const got = await h.gql<{ asset: AssetOut }>(GET_ASSET, { id: a.id }, as.opts);
    expect(got.body.data?.asset.name).toBe('Menu');

    const updated = await h.gql<{ updateAsset: AssetOut }>(UPDATE_ASSET, { id: a.id, input: { name: 'Menu v2', playTimeFrom: null, playTimeTo: null, md5: null } }, as.opts);
    expect(codes(updated)).toEqual([]);
    expect(updated.body.data?.updateAsset).toMatchObject({ name: 'Menu v2', playTimeFrom: null, md5: null, uri: a.uri, labels: ['floor-2', 'lobby'] });

    const deleted = await h.gql<{ deleteAsset: string }>(DELETE_ASSET, { id: a.id }, as.opts);
    expect(deleted.body.data?.deleteAsset).toBe(a.id);
    expect((await h.gql<{ asset: null }>(GET_ASSET, { id: a.id }, as.opts)).body.data?.asset).toBeNull();
    expect(codes(await h.gql(DELETE_ASSET, { id: a.id }, as.opts))).toEqual(['NOT_FOUND']);
  });

  it('does not let a client set the tenant or the creator', async () => {
    for (const extra of [{ tenantId: '00000000-0000-4000-8000-000000000000' }, { createdBy: editor.userId }, { playOrder: 0 }]) {
      const r = await create(extra);
      expect(r.status).toBe(400);
      expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('refuses a malformed id with BAD_USER_INPUT, not a database error', async () => {
    const r = await h.gql(GET_ASSET, { id: 'not-a-uuid' }, as.opts);
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('asset validation', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['an unknown URI scheme', { uri: 'ftp://files.example.test/a.png' }, 'uri'],
    ['javascript: URIs', { uri: 'javascript:alert(1)' }, 'uri'],
    ['an unparseable URI', { uri: 'not a uri' }, 'uri'],
    ['an rtsp URI for an image', { uri: 'rtsp://cam.example.test/1' }, 'uri'],
    ['an unknown mimetype', { mimetype: 'audio' }, 'mimetype'],
    ['a zero duration for an image', { duration: 0 }, 'duration'],
    ['a negative duration', { duration: -5, mimetype: 'video' }, 'duration'],
    ['a duration over a day', { duration: 86_401 }, 'duration'],
    ['an end before the start', { startDate: '2026-05-02T00:00:00Z', endDate: '2026-05-01T00:00:00Z' }, 'endDate'],
    ['an end equal to the start', { startDate: '2026-05-02T00:00:00Z', endDate: '2026-05-02T00:00:00Z' }, 'endDate'],
    ['day 0', { playDays: [0, 1] }, 'playDays'],
    ['day 8', { playDays: [8] }, 'playDays'],
    ['no days', { playDays: [] }, 'playDays'],
    ['a repeated day', { playDays: [1, 1] }, 'playDays'],
    ['a bad time', { playTimeFrom: '25:00', playTimeTo: '26:00' }, 'playTimeFrom'],
    ['half a window', { playTimeFrom: '08:00' }, 'playTimeTo'],
    ['an empty window', { playTimeFrom: '08:00', playTimeTo: '08:00' }, 'playTimeTo'],
    ['a bad md5', { md5: 'xyz' }, 'md5'],
    ['a bad label', { labels: ['Has Spaces'] }, 'labels'],
    ['an empty name', { name: '   ' }, 'name'],
  ];
  it.each(cases)('refuses %s with BAD_USER_INPUT naming the field, writing nothing', async (_name, input, field) => {
    const before = await h.asTenant(t.id, (tx) => tx.select({ id: assets.id }).from(assets));
    const r = await create(input);
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(r.body.errors?.[0]?.extensions?.field).toBe(field);
    expect(r.body.errors?.[0]?.message).toContain(field);
    expect(await h.asTenant(t.id, (tx) => tx.select({ id: assets.id }).from(assets))).toHaveLength(before.length);
  });

  it('judges an update with the fields it leaves alone', async () => {
    const a = (await create({ startDate: '2026-06-01T00:00:00Z', endDate: '2026-07-01T00:00:00Z' })).body.data!.createAsset;
    const r = await h.gql(UPDATE_ASSET, { id: a.id, input: { endDate: '2026-05-01T00:00:00Z' } }, as.opts);
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    const nulled = await h.gql(UPDATE_ASSET, { id: a.id, input: { name: null } }, as.opts);
    expect(codes(nulled)).toEqual(['BAD_USER_INPUT']);
    const audit = await h.asTenant(t.id, (tx) => tx.select().from(auditLogs).where(eq(auditLogs.targetId, a.id)));
    expect(audit.map((r) => r.action)).toEqual(['asset.create']);
  });
});

describe('asset lists', () => {
  let other: SeededTenant;
  let otherToken: string;
  beforeAll(async () => {
    other = await h.seedTenant();
    otherToken = await h.login(other.ownerEmail);
  });
  const listAs = (variables: Record<string, unknown>) => h.gql<ListOut>(LIST_ASSETS, variables, { token: otherToken, tenant: other.subdomain });
  const createAs = (input: Record<string, unknown>) => h.gql<{ createAsset: AssetOut }>(CREATE_ASSET, { input: anAsset(input) }, { token: otherToken, tenant: other.subdomain });

  it('pages with cursors that stay stable while assets are inserted', async () => {
    for (let i = 0; i < 7; i++) await createAs({ name: `page-${i}` });
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    let total: number;
    do {
      const r: GqlResult<ListOut> = await listAs({ first: 3, after });
      const page = r.body.data!.assets;
      total = page.totalCount;
      seen.push(...page.edges.map((e) => e.node.name));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      if (pages++ === 0) await createAs({ name: 'inserted-meanwhile' }); // newer: before the cursor
    } while (after && pages < 10);
    expect(seen).toEqual(['page-6', 'page-5', 'page-4', 'page-3', 'page-2', 'page-1', 'page-0']);
    expect(total).toBe(8);
  });

  it('orders by play order and by name, and filters by enabled, mimetype and search', async () => {
    await createAs({ name: '100% done_', mimetype: 'webpage', uri: 'https://x.test/', isEnabled: true, startDate: '2020-01-01T00:00:00Z', endDate: '2021-01-01T00:00:00Z' });
    const byName = (await listAs({ first: 100, orderBy: 'NAME_ASC' })).body.data!.assets.edges.map((e) => e.node.name);
    expect(byName).toEqual([...byName].sort());
    const byOrder = (await listAs({ first: 100, orderBy: 'PLAY_ORDER_ASC' })).body.data!.assets.edges.map((e) => e.node.playOrder);
    expect(byOrder).toEqual([...byOrder].sort((a, b) => a - b));
    const enabled = (await listAs({ filter: { enabled: true } })).body.data!.assets;
    expect(enabled.edges.map((e) => e.node.name)).toEqual(['100% done_']);
    expect((await listAs({ filter: { mimetype: 'webpage' } })).body.data!.assets.totalCount).toBe(1);
    expect((await listAs({ filter: { search: '0% D' } })).body.data!.assets.totalCount).toBe(1);
    expect((await listAs({ filter: { search: '%' } })).body.data!.assets.totalCount).toBe(1);
    expect((await listAs({ filter: { search: '_' } })).body.data!.assets.totalCount).toBe(1);
  });

  it('filters active assets by the schedule, in the tenant time zone', async () => {
    const day = 24 * 3600 * 1000;
    const now = Date.now();
    const span = { isEnabled: true, startDate: new Date(now - day).toISOString(), endDate: new Date(now + day).toISOString() };
    await createAs({ name: 'active-now', ...span });
    await createAs({ name: 'expired', isEnabled: true, startDate: new Date(now - 2 * day).toISOString(), endDate: new Date(now - day).toISOString() });
    await createAs({ name: 'disabled', ...span, isEnabled: false });
    const today = ((new Date().getUTCDay() + 6) % 7) + 1;
    await createAs({ name: 'not-today', ...span, playDays: [(today % 7) + 1] });
    const active = (await listAs({ filter: { active: true }, first: 100 })).body.data!.assets.edges.map((e) => e.node.name);
    expect(active).toEqual(['active-now']);
    const inactive = (await listAs({ filter: { active: false }, first: 100 })).body.data!.assets.edges.map((e) => e.node.name);
    expect(inactive).toContain('not-today');
    expect(inactive).not.toContain('active-now');
  });

  it('bounds first and refuses forged cursors', async () => {
    for (const first of [0, -1, 101]) expect(codes(await listAs({ first }))).toEqual(['BAD_USER_INPUT']);
    const good = (await listAs({ first: 1 })).body.data!.assets.pageInfo.endCursor!;
    const body = JSON.parse(Buffer.from(good, 'base64url').toString()) as Record<string, string>;
    const forged = [
      'garbage',
      Buffer.from('{"o":1}').toString('base64url'),
      Buffer.from(JSON.stringify({ ...body, id: 'x' })).toString('base64url'),
      Buffer.from(JSON.stringify({ ...body, k: 'not a date' })).toString('base64url'),
      Buffer.from(JSON.stringify({ ...body, o: 'assets.name.asc' })).toString('base64url'),
    ];
    for (const after of forged) expect(codes(await listAs({ first: 1, after }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await listAs({ first: 1, after: good, orderBy: 'NAME_ASC' }))).toEqual(['BAD_USER_INPUT']);
  });

  it('reorders: the listed assets first, the rest after in their order', async () => {
    const all = (await listAs({ first: 100, orderBy: 'PLAY_ORDER_ASC' })).body.data!.assets.edges.map((e) => e.node.id);
    const wanted = [all[3]!, all[0]!];
    const r = await h.gql<{ reorderAssets: { id: string; playOrder: number }[] }>(REORDER_ASSETS, { ids: wanted }, { token: otherToken, tenant: other.subdomain });
    expect(r.body.data?.reorderAssets).toEqual([{ id: all[3], playOrder: 0 }, { id: all[0], playOrder: 1 }]);
    const after = (await listAs({ first: 100, orderBy: 'PLAY_ORDER_ASC' })).body.data!.assets.edges.map((e) => e.node);
    expect(after.map((n) => n.id)).toEqual([all[3], all[0], ...all.filter((id) => id !== all[3] && id !== all[0])]);
    expect(after.map((n) => n.playOrder)).toEqual(after.map((_, i) => i));
    expect(codes(await h.gql(REORDER_ASSETS, { ids: [all[1], all[1]] }, { token: otherToken, tenant: other.subdomain }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('statement count', () => {
  it("a page's people are those the user loader gives for each asset, in every ordering and across pages; someone the tenant cannot see is null", async () => {
    const tenant = await h.seedTenant();
    const member = await h.addMember(tenant.id, 'editor');
    const stranger = await h.addMember((await h.seedTenant()).id, 'editor'); // of another organisation only
    await h.admin.insert(assets).values(
      Array.from({ length: 30 }, (_, i) => ({
        tenantId: tenant.id, name: `p-${(i * 7) % 30}`, uri: 'https://x.test/p.png', mimetype: 'image', playOrder: (i * 11) % 30,
        createdBy: i % 3 === 0 ? stranger.userId : member.userId, updatedBy: i % 2 === 0 ? member.userId : null,
      })),
    );
    const opts = { token: await h.login(tenant.ownerEmail), tenant: tenant.subdomain };
    type Node = { id: string; createdBy: { id: string; email: string } | null; updatedBy: { email: string } | null };
    const withPeople = 'query($o: AssetOrder, $after: String) { assets(first: 7, orderBy: $o, after: $after) { pageInfo { endCursor } nodes { id createdBy { id email } updatedBy { email } } } }';
    const idsOnly = 'query($o: AssetOrder, $after: String) { assets(first: 7, orderBy: $o, after: $after) { pageInfo { endCursor } nodes { id } } }';
    const one = 'query($id: ID!) { asset(id: $id) { id createdBy { id email } updatedBy { email } } }';
    for (const o of ['CREATED_AT_DESC', 'CREATED_AT_ASC', 'PLAY_ORDER_ASC', 'NAME_ASC']) {
      let after: string | null = null;
      for (let page = 0; page < 5; page++) {
        type Out = { assets: { pageInfo: { endCursor: string | null }; nodes: Node[] } };
        const full: GqlResult<Out> = await h.gql<Out>(withPeople, { o, after }, opts);
        const plain: GqlResult<Out> = await h.gql<Out>(idsOnly, { o, after }, opts);
        expect(codes(full)).toEqual([]);
        const nodes = full.body.data!.assets.nodes;
        expect(nodes.map((n) => n.id)).toEqual(plain.body.data!.assets.nodes.map((n) => n.id));
        for (const node of nodes) {
          const alone = (await h.gql<{ asset: Node }>(one, { id: node.id }, opts)).body.data!.asset;
          expect(node).toEqual(alone);
          expect(node.createdBy === null || node.createdBy.id === member.userId).toBe(true);
        }
        after = full.body.data!.assets.pageInfo.endCursor;
        if (!after) break;
      }
    }
  });

  it('a page of assets with creators costs the same number of statements at 10 and at 100', async () => {
    const tenant = await h.seedTenant();
    const creators = await Promise.all([1, 2, 3, 4, 5].map(() => h.addMember(tenant.id, 'editor')));
    await h.admin.insert(assets).values(
      Array.from({ length: 120 }, (_, i) => ({
        tenantId: tenant.id, name: `bulk-${i}`, uri: 'https://x.test/b.png', mimetype: 'image',
        createdBy: creators[i % 5]!.userId, updatedBy: creators[(i + 1) % 5]!.userId,
      })),
    );
    const ownerToken = await h.login(tenant.ownerEmail);
    const query = `query($first: Int) { assets(first: $first) { nodes { id name createdBy { email } updatedBy { email } } } }`;
    const counted = `query($first: Int) { assets(first: $first) { totalCount nodes { id } } }`;
    const counts: Record<string, number> = {};
    const opts = { token: ownerToken, tenant: tenant.subdomain };
    await h.gql(query, { first: 1 }, opts); // warm the tenant and membership caches
    for (const first of [10, 100]) {
      const r = await h.gql<{ assets: { nodes: unknown[] } }>(query, { first }, opts);
      expect(r.body.data?.assets.nodes).toHaveLength(first);
      counts[first] = statements(r);
    }
    // BEGIN, set_config, the page, the creators (one batch for both fields), COMMIT.
    expect(counts[10]).toBe(5);
    expect(counts[100]).toBe(counts[10]);
    // totalCount costs one statement, and only when it is asked for.
    expect(statements(await h.gql(counted, { first: 100 }, opts))).toBe(5);
  });
});
