import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assets } from '../../src/db/schema/index.js';
import { MANIFEST_PATH, type ManifestEntry } from '../../src/persisted/manifest.js';
import { CREATE_DEVICE } from '../support/devices.js';
import { type SeededTenant, uniq } from '../support/harness.js';
import { ASSET_FIELDS, anAsset, AUDIT_LOGS, CREATE_API_KEY, CREATE_ASSET, LIST_ASSETS, UPDATE_ASSET } from '../support/operations.js';
import { type Answer, startTwoPaths, type TwoPaths } from './two-paths.js';

let t: TwoPaths;
let a: SeededTenant;
let b: SeededTenant;
const tokens: Record<'owner' | 'viewer' | 'editor' | 'other', string> = { owner: '', viewer: '', editor: '', other: '' };
let deviceKey = '';
let assetId = '';
const hiddenName = uniq('hidden-by-policy-');
const day = 86_400_000;

beforeAll(async () => {
  t = await startTwoPaths();
  const { h } = t;
  [a, b] = [await h.seedTenant(), await h.seedTenant()];
  const viewer = await h.addMember(a.id, 'viewer');
  const editor = await h.addMember(a.id, 'editor');
  tokens.owner = await h.login(a.ownerEmail);
  tokens.viewer = await h.login(viewer.email);
  tokens.editor = await h.login(editor.email);
  tokens.other = await h.login(b.ownerEmail);
  const span = { isEnabled: true, startDate: new Date(Date.now() - day), endDate: new Date(Date.now() + day) };
  const [first] = await h.admin
    .insert(assets)
    .values([
      { tenantId: a.id, name: 'Welcome', uri: 'https://x.test/1.png', mimetype: 'image', playOrder: 1, createdBy: a.ownerId, md5: 'abc', ...span },
      { tenantId: a.id, name: 'Lobby loop', uri: 'https://x.test/2.mp4', mimetype: 'video', duration: 0, playOrder: 2, labels: ['lobby'], ...span },
      { tenantId: a.id, name: 'Menu', uri: 'https://x.test/3', mimetype: 'webpage', playOrder: 3, createdBy: editor.userId, isEnabled: false },
      { tenantId: a.id, name: 'Lunch', uri: 'https://x.test/4.png', mimetype: 'image', playOrder: 4, playDays: [1, 3, 5], playTimeFrom: '12:00', playTimeTo: '13:00', ...span },
      { tenantId: a.id, name: hiddenName, uri: 'https://x.test/5.png', mimetype: 'image', playOrder: 5, createdBy: a.ownerId, ...span },
      { tenantId: b.id, name: 'B only', uri: 'https://x.test/6.png', mimetype: 'image', playOrder: 1, ...span },
    ])
    .returning({ id: assets.id });
  assetId = first!.id;
  const device = await t.compiled({ query: CREATE_DEVICE, variables: { input: { name: 'Screen', labels: ['lobby'] } } }, as('owner'));
  deviceKey = (device.body as { data: { createDevice: { deviceKey: string } } }).data.createDevice.deviceKey;
});
afterAll(() => t?.close());

const as = (who: keyof typeof tokens, tenant = who === 'other' ? b.subdomain : a.subdomain) => ({ authorization: `Bearer ${tokens[who]}`, 'x-tenant-id': tenant });
const anonymous = () => ({ 'x-tenant-id': a.subdomain });
const device = () => ({ authorization: `Bearer ${deviceKey}` });

/** Values that differ between two runs of the same request by nature (clocks, fresh secrets, new rows). */
const VOLATILE = new Set(['serverTime', 'pairingCode', 'pollingSecret', 'expiresAt', 'requestId']);
const FRESH = new Set([...VOLATILE, 'id', 'createdAt', 'updatedAt', 'playOrder', 'secret', 'prefix']);

function normalise(value: unknown, keys: Set<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => normalise(v, keys));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, keys.has(k) && v !== null ? `<${k}>` : normalise(v, keys)]));
  }
  return value;
}

type Case = { name: string; body: Record<string, unknown>; headers: () => Record<string, string>; writes?: boolean };

/**
 * Both paths, one after the other; a write makes fresh rows, compared without their fresh values.
 * A read runs compiled once more after graphql-js: the first run may have filled a cache (a
 * playlist), so statement counts are compared between the last two.
 */
async function both(c: Case): Promise<[Answer, Answer]> {
  const first = await t.compiled(c.body, c.headers());
  const plain = await t.plain(c.body, c.headers());
  const keys = c.writes ? FRESH : VOLATILE;
  const again = c.writes ? first : await t.compiled(c.body, c.headers());
  expect(normalise(again.body, keys), c.name).toEqual(normalise(first.body, keys));
  // Equal is not enough: no document of the corpus may be a defect on both paths.
  expect(JSON.stringify(first.body), c.name).not.toContain('INTERNAL_SERVER_ERROR');
  return [
    { ...first, body: normalise(first.body, keys), statements: again.statements },
    { ...plain, body: normalise(plain.body, keys) },
  ];
}

const q = (query: string, variables?: Record<string, unknown>) => (variables ? { query, variables } : { query });

/** Ad-hoc documents: fragments, aliases, variables, nulls, errors, partial errors, refusals. */
const adHoc = (): Case[] => [
  { name: 'the benchmark list', headers: () => as('owner'), body: q('query List { assets(first: 50, filter: { enabled: true }) { nodes { id name uri mimetype duration isEnabled playOrder createdAt createdBy { email } } } }') },
  { name: 'every asset field', headers: () => as('owner'), body: q(`{ assets(first: 10) { nodes { ${ASSET_FIELDS} } } }`) },
  { name: 'aliases', headers: () => as('owner'), body: q('{ a: assets(first: 2) { nodes { id } } b: assets(first: 3, orderBy: NAME_ASC) { nodes { n: name u: uri } pageInfo { hasNextPage endCursor } } }') },
  { name: 'named fragments', headers: () => as('owner'), body: q('query Q { assets(first: 3) { ...Page } } fragment Page on AssetConnection { nodes { ...A } totalCount } fragment A on Asset { id name labels playDays }') },
  { name: 'inline fragment', headers: () => as('owner'), body: q('{ assets(first: 4) { nodes { ... on Asset { id startDate endDate playTimeFrom playTimeTo } } } }') },
  { name: 'nested fragment on User', headers: () => as('owner'), body: q('{ assets(first: 5) { nodes { name createdBy { ...U } updatedBy { ...U } } } } fragment U on User { id email displayName }') },
  { name: 'variables', headers: () => as('owner'), body: q('query($f: Int, $o: AssetOrder) { assets(first: $f, orderBy: $o) { nodes { id name } } }', { f: 4, o: 'PLAY_ORDER_ASC' }) },
  { name: 'null variables', headers: () => as('owner'), body: q('query($f: Int, $filter: AssetFilter) { assets(first: $f, filter: $filter) { nodes { id } } }', { f: null, filter: null }) },
  { name: 'explicit null for a defaulted argument', headers: () => as('owner'), body: q('query($o: AssetOrder) { assets(first: 2, orderBy: $o) { nodes { id } } }', { o: null }) },
  { name: 'input object variable', headers: () => as('owner'), body: q(LIST_ASSETS, { filter: { search: 'lunch', enabled: true }, first: 5 }) },
  { name: 'pagination cursor', headers: () => as('owner'), body: q('{ assets(first: 2, after: "not-a-cursor") { nodes { id } } }') },
  { name: 'active filter and isActive', headers: () => as('owner'), body: q('{ assets(first: 10, filter: { active: true }) { nodes { id isActive } } }') },
  { name: 'missing required variable', headers: () => as('owner'), body: q('query($id: ID!) { asset(id: $id) { id } }', {}) },
  { name: 'variable of the wrong type', headers: () => as('owner'), body: q('query($f: Int) { assets(first: $f) { nodes { id } } }', { f: 'many' }) },
  { name: 'unknown enum value in a variable', headers: () => as('owner'), body: q('query($o: AssetOrder) { assets(orderBy: $o) { nodes { id } } }', { o: 'NOPE' }) },
  { name: 'argument out of range', headers: () => as('owner'), body: q('{ assets(first: 1000) { nodes { id } } }') },
  { name: 'asset by id', headers: () => as('owner'), body: q(`query($id: ID!) { asset(id: $id) { ${ASSET_FIELDS} } }`, { id: assetId }) },
  { name: 'asset that does not exist is null', headers: () => as('owner'), body: q('query($id: ID!) { asset(id: $id) { id name } }', { id: '00000000-0000-4000-8000-000000000000' }) },
  { name: 'malformed id', headers: () => as('owner'), body: q('{ asset(id: "nope") { id } }') },
  { name: 'partial error beside data', headers: () => as('owner'), body: q('{ currentTenant { name } ok: assets(first: 1) { nodes { id } } bad: asset(id: "x") { name } }') },
  { name: '@skip and @include (true)', headers: () => as('owner'), body: q('query($s: Boolean!) { assets(first: 2) { nodes { id name @skip(if: $s) md5 @include(if: $s) } } }', { s: true }) },
  { name: '@skip and @include (false)', headers: () => as('owner'), body: q('query($s: Boolean!) { assets(first: 2) { nodes { id name @skip(if: $s) md5 @include(if: $s) } } }', { s: false }) },
  { name: '__typename', headers: () => as('owner'), body: q('{ __typename assets(first: 1) { __typename nodes { __typename id } pageInfo { __typename } } }') },
  { name: 'tenant as a member', headers: () => as('owner'), body: q('{ currentTenant { id name subdomain plan contactEmail limits { maxAssets maxDevices } usage { assets devices } } }') },
  { name: 'tenant anonymously: public fields, refused member fields', headers: anonymous, body: q('{ currentTenant { name subdomain plan limits { maxAssets } } }') },
  { name: 'a nullable refusal beside a non-null one', headers: anonymous, body: q('{ currentTenant { name contactEmail plan usage { assets } } }') },
  { name: 'me', headers: () => as('owner'), body: q('{ me { user { email displayName } permissions memberships { role tenantName } } }') },
  { name: 'no credential', headers: anonymous, body: q('{ assets { nodes { id } } }') },
  { name: 'viewer may list', headers: () => as('viewer'), body: q('{ assets(first: 3) { totalCount nodes { name } } }') },
  { name: 'viewer may not create', headers: () => as('viewer'), body: q(CREATE_ASSET, { input: anAsset() }) },
  { name: 'viewer may not see API keys', headers: () => as('viewer'), body: q('{ apiKeys { id } }') },
  { name: 'another tenant sees only its own', headers: () => as('other'), body: q('{ assets(first: 10) { nodes { name } } }') },
  { name: 'a credential of another tenant', headers: () => as('other', a.subdomain), body: q('{ assets { nodes { id } } }') },
  { name: 'devices', headers: () => as('owner'), body: q('{ devices(first: 5) { totalCount nodes { name status timezone effectiveTimezone labels keyPrefix } } }') },
  { name: 'audit trail', headers: () => as('owner'), body: q(AUDIT_LOGS, { first: 3 }) },
  { name: 'members and invitations', headers: () => as('owner'), body: q('{ members(first: 5) { nodes { email role isActive extraPermissions } } invitations { email role } }') },
  { name: 'domains and QR contents', headers: () => as('owner'), body: q('{ domains { hostname } qrContents(first: 2) { nodes { name } } }') },
  { name: 'bad input to a mutation', headers: () => as('editor'), body: q(CREATE_ASSET, { input: anAsset({ mimetype: 'nope' }) }) },
  { name: 'update of an asset that does not exist', headers: () => as('editor'), body: q(UPDATE_ASSET, { id: '00000000-0000-4000-8000-000000000000', input: { name: 'x' } }) },
  { name: 'a mutation that writes', writes: true, headers: () => as('editor'), body: q(CREATE_ASSET, { input: anAsset({ name: 'Fresh' }) }) },
  { name: 'an API key (a secret shown once)', writes: true, headers: () => as('owner'), body: q(CREATE_API_KEY, { input: { name: 'ci', permissions: ['assets.view'] } }) },
  { name: 'the device may not run ad-hoc documents', headers: device, body: q('{ assets { nodes { id } } }') },
];

/** Every trusted document under clients/, with the credential it is meant for. */
function trusted(): Case[] {
  const manifest = JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')) as Record<string, ManifestEntry>;
  const variables: Record<string, Record<string, unknown>> = {
    DevicePlaylist: {},
    DeviceHeartbeat: { input: { playerVersion: 'v0.19.4' } },
    PollPairing: { pollingSecret: 'not-a-secret' },
    RegisterDevice: {},
  };
  return Object.entries(manifest).map(([hash, entry]) => ({
    name: `trusted ${entry.operation} ${hash.slice(0, 8)}`,
    headers: entry.operation === 'DevicePlaylist' || entry.operation === 'DeviceHeartbeat' ? device : () => ({}),
    body: { variables: variables[entry.operation ?? ''] ?? {}, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } },
    writes: entry.document.startsWith('mutation'),
  }));
}

describe('compiled execution answers exactly as graphql-js does', () => {
  it('over every trusted document and more than 30 ad-hoc ones', async () => {
    const cases = [...trusted(), ...adHoc()];
    expect(cases.filter((c) => !c.name.startsWith('trusted')).length).toBeGreaterThanOrEqual(30);
    const codes = new Set<string>();
    for (const c of cases) {
      const [compiled, plain] = await both(c);
      expect({ name: c.name, status: compiled.status, body: compiled.body }).toEqual({ name: c.name, status: plain.status, body: plain.body });
      // A write changes what the next one finds (a heartbeat audits only coming online).
      if (!c.writes) expect(compiled.statements, c.name).toBe(plain.statements);
      for (const e of (compiled.body as { errors?: { extensions?: { code?: string } }[] }).errors ?? []) codes.add(String(e.extensions?.code));
    }
    // The corpus does reach refusals, bad input and partial errors, not only successes.
    expect([...codes]).toEqual(expect.arrayContaining(['FORBIDDEN', 'UNAUTHENTICATED', 'BAD_USER_INPUT', 'NOT_FOUND']));
  }, 120_000);

  it('the raw list read gives every field exactly as the ORM-mapped single read does', async () => {
    const listed = await t.compiled({ query: `{ assets(first: 50) { nodes { ${ASSET_FIELDS} } edges { node { id isActive createdBy { email } } } } }` }, as('owner'));
    type Node = Record<string, unknown> & { id: string };
    const { nodes, edges } = (listed.body as { data: { assets: { nodes: Node[]; edges: { node: Node }[] } } }).data.assets;
    expect(nodes.length).toBeGreaterThanOrEqual(5);
    for (const [i, node] of nodes.entries()) {
      const one = await t.compiled({ query: `query($id: ID!) { asset(id: $id) { ${ASSET_FIELDS} } }`, variables: { id: node.id } }, as('owner'));
      expect(node).toEqual((one.body as { data: { asset: Node } }).data.asset);
      expect(edges[i]!.node).toEqual({ id: node.id, isActive: node.isActive, createdBy: node.createdBy && { email: (node.createdBy as { email: string }).email } });
    }
  });

  it('keeps row-level security: a row an extra restrictive policy hides stays hidden', async () => {
    const list = { query: '{ assets(first: 50) { totalCount nodes { name } } }' };
    const names = (r: Answer) => (r.body as { data: { assets: { nodes: { name: string }[] } } }).data.assets.nodes.map((n) => n.name);
    expect(names(await t.compiled(list, as('owner')))).toContain(hiddenName);
    await t.h.admin.execute(sql.raw(`create policy speed_hidden on assets as restrictive for select using (name <> '${hiddenName}')`));
    try {
      const [compiled, plain] = [await t.compiled(list, as('owner')), await t.plain(list, as('owner'))];
      expect(names(compiled)).not.toContain(hiddenName);
      expect(names(compiled).length).toBeGreaterThan(0);
      expect(compiled.body).toEqual(plain.body);
      const byId = await t.compiled({ query: 'query($n: String) { assets(filter: { search: $n }) { nodes { id } } }', variables: { n: hiddenName } }, as('owner'));
      expect(byId.body).toEqual({ data: { assets: { nodes: [] } } });
    } finally {
      await t.h.admin.execute(sql.raw('drop policy speed_hidden on assets'));
    }
  });
});
