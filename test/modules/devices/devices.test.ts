import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assets, auditLogs, devices } from '../../../src/db/schema/index.js';
import { codes, type Harness, type SeededTenant, startHarness, statements } from '../../support/harness.js';
import { byHash, CREATE_DEVICE, manifestDocument, manifestHashes } from '../../support/devices.js';
import { LIST_ASSETS } from '../../support/operations.js';
import { entryParts } from '../../../src/modules/devices/playlist-cache.js';

type PlaylistOut = { devicePlaylist: { etag: string; notModified: boolean; nextChangeAt: string | null; assets: { id: string; name: string }[] | null } };
type DeviceOut = { createDevice: { deviceKey: string; device: { id: string; status: string; timezone: string | null; effectiveTimezone: string; labels: string[]; keyPrefix: string } } };

let h: Harness;
let a: SeededTenant;
let b: SeededTenant;
let aOwner: string;
let bOwner: string;
const day = 86_400_000;
const span = () => ({ isEnabled: true, startDate: new Date(Date.now() - day), endDate: new Date(Date.now() + day) });

beforeAll(async () => {
  h = await startHarness();
  [a, b] = [await h.seedTenant(), await h.seedTenant()];
  [aOwner, bOwner] = [await h.login(a.ownerEmail), await h.login(b.ownerEmail)];
  await h.admin.insert(assets).values([
    { tenantId: a.id, name: 'a-everywhere', uri: 'https://x.test/1', mimetype: 'image', playOrder: 1, ...span() },
    { tenantId: a.id, name: 'a-lobby-only', uri: 'https://x.test/2', mimetype: 'image', playOrder: 2, labels: ['lobby'], ...span() },
    { tenantId: a.id, name: 'a-disabled', uri: 'https://x.test/3', mimetype: 'image', playOrder: 3, ...span(), isEnabled: false },
    { tenantId: b.id, name: 'b-everywhere', uri: 'https://x.test/4', mimetype: 'image', playOrder: 1, ...span() },
  ]);
});
afterAll(() => h?.close());

const newDevice = async (token: string, tenant: string, input: Record<string, unknown> = {}) => {
  const r = await h.gql<DeviceOut>(CREATE_DEVICE, { input: { name: 'Screen', ...input } }, { token, tenant });
  expect(codes(r)).toEqual([]);
  return r.body.data!.createDevice;
};
const playlist = (key: string, ifNoneMatch?: string) => byHash<PlaylistOut>(h, 'DevicePlaylist', { ifNoneMatch }, key);

describe('devices', () => {
  it('creates a device with a key shown once, lists, updates and validates it', async () => {
    const created = await newDevice(aOwner, a.subdomain, { name: 'Lobby', timezone: 'Europe/Paris', labels: ['lobby'] });
    expect(created.deviceKey).toMatch(new RegExp(`^anthias_dk_${created.device.keyPrefix}_`));
    expect(created.device).toMatchObject({ status: 'OFFLINE', timezone: 'Europe/Paris', effectiveTimezone: 'Europe/Paris', labels: ['lobby'] });
    const listed = await h.gql<{ devices: { totalCount: number; nodes: { id: string }[] } }>('{ devices { totalCount nodes { id } } }', {}, { token: aOwner, tenant: a.subdomain });
    expect(listed.body.data!.devices.nodes.map((d) => d.id)).toContain(created.device.id);
    const upd = await h.gql<{ updateDevice: { timezone: string | null; effectiveTimezone: string } }>(
      'mutation($id: ID!) { updateDevice(id: $id, input: { timezone: null, location: "Hall" }) { timezone effectiveTimezone } }',
      { id: created.device.id }, { token: aOwner, tenant: a.subdomain });
    expect(upd.body.data!.updateDevice).toEqual({ timezone: null, effectiveTimezone: 'UTC' });
    for (const input of [{ timezone: 'Mars/Olympus' }, { name: '' }, { labels: ['Bad Label'] }]) {
      expect(codes(await h.gql(CREATE_DEVICE, { input: { name: 'x', ...input } }, { token: aOwner, tenant: a.subdomain }))).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('derives online/offline from the last heartbeat, and records status fields', async () => {
    const { deviceKey, device } = await newDevice(aOwner, a.subdomain);
    const beat = await byHash<{ deviceHeartbeat: { serverTime: string; status: string } }>(h, 'DeviceHeartbeat', { input: { playerVersion: 'v0.19.4' } }, deviceKey);
    expect(beat.body.data!.deviceHeartbeat.status).toBe('ONLINE');
    expect(Math.abs(new Date(beat.body.data!.deviceHeartbeat.serverTime).getTime() - Date.now())).toBeLessThan(10_000);
    await byHash(h, 'DeviceHeartbeat', { input: { playerVersion: 'v0.19.4' } }, deviceKey);
    const got = await h.gql<{ device: { status: string; playerVersion: string; lastAddress: string; lastSeenAt: string } }>(
      'query($id: ID!) { device(id: $id) { status playerVersion lastAddress lastSeenAt } }', { id: device.id }, { token: aOwner, tenant: a.subdomain });
    expect(got.body.data!.device).toMatchObject({ status: 'ONLINE', playerVersion: 'v0.19.4', lastAddress: '127.0.0.1' });
    const audit = await h.admin.select({ action: auditLogs.action }).from(auditLogs).where(eq(auditLogs.targetId, device.id));
    expect(audit.map((r) => r.action).sort()).toEqual(['device.create', 'device.online', 'device.version']);
    await h.admin.update(devices).set({ lastSeenAt: new Date(Date.now() - 3_600_000) }).where(eq(devices.id, device.id));
    const offline = await h.gql<{ devices: { nodes: { id: string }[] } }>('{ devices(filter: { status: OFFLINE }, first: 100) { nodes { id } } }', {}, { token: aOwner, tenant: a.subdomain });
    expect(offline.body.data!.devices.nodes.map((d) => d.id)).toContain(device.id);
  });
});

describe('devicePlaylist', () => {
  it('returns the active assets in play order, restricted by label, with an etag and next change', async () => {
    const plain = await newDevice(aOwner, a.subdomain);
    const lobby = await newDevice(aOwner, a.subdomain, { labels: ['lobby'] });
    const p1 = (await playlist(plain.deviceKey)).body.data!.devicePlaylist;
    expect(p1.assets!.map((x) => x.name)).toEqual(['a-everywhere']);
    expect(p1.nextChangeAt).not.toBeNull();
    const p2 = (await playlist(lobby.deviceKey)).body.data!.devicePlaylist;
    expect(p2.assets!.map((x) => x.name)).toEqual(['a-everywhere', 'a-lobby-only']);
  });

  it('answers notModified for the same etag, and a new etag exactly when the result changes', async () => {
    const { deviceKey } = await newDevice(aOwner, a.subdomain);
    const idOf = async (name: string) => (await h.admin.select({ id: assets.id }).from(assets).where(eq(assets.name, name)))[0]!.id;
    const update = (id: string, input: Record<string, unknown>) =>
      h.gql('mutation($id: ID!, $input: UpdateAssetInput!) { updateAsset(id: $id, input: $input) { id } }', { id, input }, { token: aOwner, tenant: a.subdomain });
    const first = (await playlist(deviceKey)).body.data!.devicePlaylist;
    const again = (await playlist(deviceKey, first.etag)).body.data!.devicePlaylist;
    expect(again).toMatchObject({ etag: first.etag, notModified: true, assets: null });
    // A change that does not touch what this device plays keeps the etag (the cache is recomputed).
    await update(await idOf('a-disabled'), { name: 'a-disabled-renamed' });
    expect((await playlist(deviceKey, first.etag)).body.data!.devicePlaylist.notModified).toBe(true);
    const everywhere = await idOf('a-everywhere');
    await update(everywhere, { isEnabled: false });
    const changed = (await playlist(deviceKey, first.etag)).body.data!.devicePlaylist;
    expect(changed.notModified).toBe(false);
    expect(changed.etag).not.toBe(first.etag);
    expect(changed.assets).toEqual([]);
    await update(everywhere, { isEnabled: true });
    expect((await playlist(deviceKey, first.etag)).body.data!.devicePlaylist.notModified).toBe(true);
  });

  it('answers from the per-device cache without SQL until something changes', async () => {
    const { deviceKey, device } = await newDevice(aOwner, a.subdomain);
    const sqlOf = async () => statements(await playlist(deviceKey));
    const cold = await sqlOf();
    expect(cold).toBeGreaterThan(0);
    expect(await sqlOf()).toBe(0);
    await h.gql('mutation($id: ID!) { updateDevice(id: $id, input: { labels: ["lobby"] }) { id } }', { id: device.id }, { token: aOwner, tenant: a.subdomain });
    // Recomputed after the change: BEGIN, set_config, the device, the tenant's time zone, the
    // candidate assets, COMMIT (the key itself is still cached) — whatever the number of assets.
    expect(await sqlOf()).toBe(6);
    expect(await sqlOf()).toBe(0);
    const names = (await playlist(deviceKey)).body.data!.devicePlaylist.assets!.map((x) => x.name);
    expect(names).toContain('a-lobby-only');
  });

  it('two screens with the same set share one cached parse; an entry in the earlier format is computed again, never misread', async () => {
    const one = await newDevice(aOwner, a.subdomain);
    const two = await newDevice(aOwner, a.subdomain);
    const first = (await playlist(one.deviceKey)).body.data!.devicePlaylist;
    const second = (await playlist(two.deviceKey)).body.data!.devicePlaylist;
    expect(second.etag).toBe(first.etag);
    expect(second.assets).toEqual(first.assets);
    expect(statements(await playlist(two.deviceKey))).toBe(0);
    // An earlier version wrote the whole entry as one JSON object, as a rolling deploy may leave it.
    const key = `playlist:${a.id}:${two.device.id}`;
    const { header, items } = entryParts((await h.app.deps.store.get(key))!)!;
    const earlier = { ...(JSON.parse(header) as object), items: [{ ...(JSON.parse(items) as object[])[0], name: 'misread' }] };
    await h.app.deps.store.set(key, JSON.stringify(earlier), 60);
    const again = await playlist(two.deviceKey);
    expect(statements(again)).toBeGreaterThan(0);
    expect(again.body.data!.devicePlaylist.assets).toEqual(first.assets);
    expect(entryParts((await h.app.deps.store.get(key))!)).not.toBeNull();
  });

  it("never gives a device of tenant A tenant B's assets", async () => {
    const { deviceKey } = await newDevice(bOwner, b.subdomain);
    const names = (await playlist(deviceKey)).body.data!.devicePlaylist.assets!.map((x) => x.name);
    expect(names).toEqual(['b-everywhere']);
    const crossed = await h.post(JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: manifestHashes('DevicePlaylist').at(-1) } } }), {
      authorization: `Bearer ${deviceKey}`,
      'x-tenant-id': a.subdomain,
    });
    expect(crossed.status).toBe(403);
  });

  it('still runs the hash that shipped in older firmware after the operation changed', async () => {
    const versions = manifestHashes('DevicePlaylist');
    expect(versions.length).toBeGreaterThanOrEqual(2);
    const { deviceKey } = await newDevice(aOwner, a.subdomain);
    const old = await byHash<{ devicePlaylist: Record<string, unknown> }>(h, 'DevicePlaylist', {}, deviceKey, versions[0]);
    expect(codes(old)).toEqual([]);
    expect(old.body.data!.devicePlaylist).not.toHaveProperty('nextChangeAt');
    const current = await byHash<{ devicePlaylist: Record<string, unknown> }>(h, 'DevicePlaylist', {}, deviceKey, versions.at(-1));
    expect(current.body.data!.devicePlaylist).toHaveProperty('nextChangeAt');
  });
});

describe('device keys', () => {
  it('cannot call any non-device operation', async () => {
    const { deviceKey } = await newDevice(aOwner, a.subdomain);
    for (const query of [LIST_ASSETS, '{ me { user { id } } }', '{ apiKeys { id } }', '{ auditLogs { totalCount } }']) {
      const r = await h.post(JSON.stringify({ query }), { authorization: `Bearer ${deviceKey}` });
      expect(r.status).toBe(400);
      expect(JSON.parse(r.text).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_ALLOWED');
    }
    // A member's operation sent by hash is not in the manifest either.
    const unknown = await byHash(h, 'DevicePlaylist', {}, deviceKey, 'f'.repeat(64));
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('a trusted document sent as text runs; any other text is refused', async () => {
    const { deviceKey } = await newDevice(aOwner, a.subdomain);
    const ok = await h.post(JSON.stringify({ query: manifestDocument('DeviceHeartbeat') }), { authorization: `Bearer ${deviceKey}` });
    expect(ok.status).toBe(200);
    const tweaked = await h.post(JSON.stringify({ query: `${manifestDocument('DeviceHeartbeat')} ` }), { authorization: `Bearer ${deviceKey}` });
    expect(JSON.parse(tweaked.text).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_ALLOWED');
  });

  it('stops working at once after rotation or deletion', async () => {
    const { deviceKey, device } = await newDevice(aOwner, a.subdomain);
    expect((await playlist(deviceKey)).status).toBe(200);
    const rotated = await h.gql<{ rotateDeviceKey: { deviceKey: string } }>('mutation($id: ID!) { rotateDeviceKey(id: $id) { deviceKey } }', { id: device.id }, { token: aOwner, tenant: a.subdomain });
    const fresh = rotated.body.data!.rotateDeviceKey.deviceKey;
    expect((await playlist(deviceKey)).status).toBe(401);
    expect((await playlist(fresh)).status).toBe(200);
    await h.gql('mutation($id: ID!) { deleteDevice(id: $id) }', { id: device.id }, { token: aOwner, tenant: a.subdomain });
    const gone = await playlist(fresh);
    expect(gone.status).toBe(401);
    expect(gone.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it("another tenant's member cannot see, rotate or delete the device", async () => {
    const { device } = await newDevice(aOwner, a.subdomain);
    const opts = { token: bOwner, tenant: b.subdomain };
    expect((await h.gql<{ device: null }>('query($id: ID!) { device(id: $id) { id } }', { id: device.id }, opts)).body.data!.device).toBeNull();
    expect(codes(await h.gql('mutation($id: ID!) { rotateDeviceKey(id: $id) { deviceKey } }', { id: device.id }, opts))).toEqual(['NOT_FOUND']);
    expect(codes(await h.gql('mutation($id: ID!) { deleteDevice(id: $id) }', { id: device.id }, opts))).toEqual(['NOT_FOUND']);
    const [still] = await h.admin.select({ id: devices.id }).from(devices).where(sql`${devices.id} = ${device.id}`);
    expect(still).toBeDefined();
  });
});
