import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { byHash, CREATE_DEVICE } from '../support/devices.js';
import { codes, type Harness, type SeededTenant, startHarness } from '../support/harness.js';
import { anAsset, AUDIT_LOGS, CREATE_API_KEY, CREATE_ASSET, DELETE_ASSET, LIST_ASSETS, UPDATE_ASSET } from '../support/operations.js';

// The main journeys with the gateway's requests going through PgBouncer in transaction mode and
// DB_PREPARE=false. PGBOUNCER_TEST_URL (set by .ci/run) is PgBouncer's postgres://host:port; it
// forwards every database name to the PostgreSQL of TEST_DATABASE_URL.
const bouncer = process.env.PGBOUNCER_TEST_URL;
const target = inject('testDatabase');
const day = 86_400_000;

describe.runIf(bouncer)('main journeys through PgBouncer (transaction mode, DB_PREPARE=false)', () => {
  let h: Harness;
  let t: SeededTenant;
  let token: string;
  let viaBouncer: URL;
  const as = () => ({ token, tenant: t.subdomain });

  beforeAll(async () => {
    if (target.engine !== 'postgres') throw new Error('PGBOUNCER_TEST_URL needs TEST_DATABASE_URL: PgBouncer fronts that PostgreSQL');
    viaBouncer = new URL(target.runtimeUrl);
    const { host } = new URL(bouncer!);
    viaBouncer.host = host;
    h = await startHarness({ DATABASE_URL: viaBouncer.toString(), DB_PREPARE: 'false', DB_POOL_SIZE: '6' });
    t = await h.seedTenant();
  });
  afterAll(() => h?.close());

  it('signs in and reads the current tenant', async () => {
    token = await h.login(t.ownerEmail);
    const r = await h.gql<{ currentTenant: { id: string; plan: string } }>('{ currentTenant { id plan } }', {}, as());
    expect(r.body.data?.currentTenant).toEqual({ id: t.id, plan: 'professional' });
  });

  it('creates, lists, updates and deletes an asset, and plays it on a device by trusted hash', async () => {
    const input = anAsset({ isEnabled: true, startDate: new Date(Date.now() - day), endDate: new Date(Date.now() + day) });
    const created = await h.gql<{ createAsset: { id: string } }>(CREATE_ASSET, { input }, as());
    expect(codes(created)).toEqual([]);
    const id = created.body.data!.createAsset.id;

    const listed = await h.gql<{ assets: { totalCount: number; edges: { node: { id: string } }[] } }>(LIST_ASSETS, { first: 10 }, as());
    expect(listed.body.data!.assets.edges.map((e) => e.node.id)).toEqual([id]);
    expect(listed.body.data!.assets.totalCount).toBe(1);

    const device = await h.gql<{ createDevice: { deviceKey: string } }>(CREATE_DEVICE, { input: { name: 'Lobby' } }, as());
    expect(codes(device)).toEqual([]);
    const playlist = await byHash<{ devicePlaylist: { assets: { id: string }[] } }>(h, 'DevicePlaylist', {}, device.body.data!.createDevice.deviceKey);
    expect(playlist.body.data!.devicePlaylist.assets.map((a) => a.id)).toEqual([id]);

    const updated = await h.gql<{ updateAsset: { name: string } }>(UPDATE_ASSET, { id, input: { name: 'Renamed' } }, as());
    expect(updated.body.data!.updateAsset.name).toBe('Renamed');
    const deleted = await h.gql<{ deleteAsset: string }>(DELETE_ASSET, { id }, as());
    expect(deleted.body.data!.deleteAsset).toBe(id);
    const after = await h.gql<{ assets: { totalCount: number } }>(LIST_ASSETS, { first: 10 }, as());
    expect(after.body.data!.assets.totalCount).toBe(0);
  });

  it('creates an API key and serves a request made with it', async () => {
    const key = await h.gql<{ createApiKey: { secret: string } }>(CREATE_API_KEY, { input: { name: 'CI', permissions: ['assets.view'] } }, as());
    expect(codes(key)).toEqual([]);
    const r = await h.gql<{ assets: { totalCount: number } }>(LIST_ASSETS, { first: 5 }, { token: key.body.data!.createApiKey.secret });
    expect(codes(r)).toEqual([]);
    expect(r.body.data!.assets.totalCount).toBe(0);
  });

  it('serves concurrent requests whose transactions share fewer server connections than the gateway opens', async () => {
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        i % 2 ? h.gql(LIST_ASSETS, { first: 5 }, as()) : h.gql('{ currentTenant { id } devices { totalCount } }', {}, as()),
      ),
    );
    expect(results.flatMap(codes)).toEqual([]);
  });

  it('records every mutation in the audit trail', async () => {
    const r = await h.gql<{ auditLogs: { nodes: { action: string }[] } }>(AUDIT_LOGS, { first: 50 }, as());
    expect(codes(r)).toEqual([]);
    expect(new Set(r.body.data!.auditLogs.nodes.map((n) => n.action))).toEqual(
      new Set(['tenant.create', 'asset.create', 'device.create', 'asset.update', 'asset.delete', 'api_key.create']),
    );
  });

  it('went through PgBouncer, pooled by transaction', async () => {
    const console = new URL(viaBouncer);
    console.pathname = '/pgbouncer';
    const admin = postgres(console.toString(), { max: 1, fetch_types: false, prepare: false, onnotice: () => {} });
    try {
      const pools = await admin.unsafe('SHOW POOLS').simple();
      const ours = pools.find((p) => p.database === viaBouncer.pathname.slice(1));
      expect(ours?.pool_mode).toBe('transaction');
      const stats = await admin.unsafe('SHOW STATS').simple();
      expect(Number(stats.find((s) => s.database === ours?.database)?.total_xact_count)).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
  });
});
