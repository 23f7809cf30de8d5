import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byHash, CREATE_DEVICE } from '../support/devices.js';
import { type GqlResult, type Harness, type SeededTenant, startHarness, statements } from '../support/harness.js';
import { sample } from './support.js';

const TOKEN = 'metrics-token-for-the-test-0123';
let h: Harness;
let tenant: SeededTenant;
let session: string;
let deviceKey: string;

const scrape = async (authorization = `Bearer ${TOKEN}`) => h.app.internal.inject({ method: 'GET', url: '/metrics', headers: { authorization } });

beforeAll(async () => {
  h = await startHarness({ METRICS_TOKEN: TOKEN, ANONYMOUS_REQUESTS_PER_MINUTE: '3' });
  tenant = await h.seedTenant();
  session = await h.login(tenant.ownerEmail);
  deviceKey = (await h.gql<{ createDevice: { deviceKey: string } }>(CREATE_DEVICE, { input: { name: 'Lobby' } }, { token: session, tenant: tenant.subdomain })).body.data!.createDevice.deviceKey;
});

afterAll(async () => {
  await h?.close();
});

describe('/metrics on the internal port', () => {
  it('needs the token when METRICS_TOKEN is set, and is not served on the public port', async () => {
    expect((await scrape('Bearer wrong-token-of-the-same-size')).statusCode).toBe(401);
    expect((await scrape('')).statusCode).toBe(401);
    const ok = await scrape();
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect((await h.app.http.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
  });

  it('moves by exactly what was sent: requests by operation and outcome, durations, SQL statements, caches, refusals', async () => {
    const before = (await scrape()).body;
    const adhoc: GqlResult[] = [];
    for (let i = 0; i < 3; i++) adhoc.push(await h.gql('query Mine { currentTenant { id } }', {}, { token: session, tenant: tenant.subdomain }));
    for (let i = 0; i < 2; i++) adhoc.push(await h.gql('query Mine { currentTenant { id } }', {}, { token: 'not-a-credential', tenant: tenant.subdomain }));
    // ANONYMOUS_REQUESTS_PER_MINUTE=3: the fourth from one address is refused.
    for (let i = 0; i < 4; i++) adhoc.push(await h.gql('{ __typename }', {}, { headers: { 'x-forwarded-for': '10.9.9.9' } }));
    const playlists = [await byHash(h, 'DevicePlaylist', {}, deviceKey), await byHash(h, 'DevicePlaylist', {}, deviceKey)];
    const after = (await scrape()).body;

    expect(adhoc.map((r) => r.body.errors?.[0]?.extensions?.code ?? 'ok')).toEqual(['ok', 'ok', 'ok', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'ok', 'ok', 'ok', 'RATE_LIMITED']);
    expect(playlists.map((r) => r.body.errors)).toEqual([undefined, undefined]);
    const moved = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);

    expect(moved('anthias_graphql_requests_total', { operation: 'adhoc', outcome: 'ok' })).toBe(6);
    expect(moved('anthias_graphql_requests_total', { operation: 'adhoc', outcome: 'UNAUTHENTICATED' })).toBe(2);
    expect(moved('anthias_graphql_requests_total', { operation: 'adhoc', outcome: 'RATE_LIMITED' })).toBe(1);
    expect(moved('anthias_graphql_requests_total', { operation: 'DevicePlaylist', outcome: 'ok' })).toBe(2);
    expect(moved('anthias_graphql_request_duration_seconds_count', { operation: 'adhoc' })).toBe(9);
    expect(moved('anthias_graphql_request_duration_seconds_count', { operation: 'DevicePlaylist' })).toBe(2);
    expect(moved('anthias_graphql_request_duration_seconds_sum', { operation: 'adhoc' })).toBeGreaterThan(0);
    // The statements each response reported in Server-Timing, summed.
    const sent = adhoc.reduce((n, r) => n + statements(r), 0);
    expect(sent).toBeGreaterThan(0);
    expect(moved('anthias_graphql_sql_statements_sum', { operation: 'adhoc' })).toBe(sent);
    expect(moved('anthias_graphql_sql_statements_count', { operation: 'adhoc' })).toBe(9);

    expect(moved('anthias_limit_refusals_total', { limit: 'requests.anonymous', kind: 'rate' })).toBe(1);
    // Three session requests; five requests named a tenant (three by header, two by device key).
    const lookups = (cache: string) => moved('anthias_cache_lookups_total', { cache, result: 'hit' }) + moved('anthias_cache_lookups_total', { cache, result: 'miss' });
    expect(lookups('sessions')).toBe(3);
    expect(lookups('tenant-resolution')).toBe(5);
    expect(lookups('device-keys')).toBe(2);
    expect(moved('anthias_cache_lookups_total', { cache: 'sessions', result: 'hit' })).toBeGreaterThanOrEqual(2);
    // The first poll computes the playlist, the second is answered from the cache.
    expect(moved('anthias_cache_lookups_total', { cache: 'playlists', result: 'miss' })).toBe(1);
    expect(moved('anthias_cache_lookups_total', { cache: 'playlists', result: 'hit' })).toBe(1);

    // At rest: no connection held or awaited; the pool's size; the store answers.
    expect(sample(after, 'anthias_db_pool_connections', { state: 'in_use' })).toBe(0);
    expect(sample(after, 'anthias_db_pool_connections', { state: 'waiting' })).toBe(0);
    expect(sample(after, 'anthias_db_pool_connections', { state: 'size' })).toBe(10);
    expect(sample(after, 'anthias_store_available', { store: h.app.deps.store.kind })).toBe(1);
    // Process metrics, event-loop lag among them.
    expect(after).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(after).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(after).toMatch(/^process_resident_memory_bytes \d/m);
    // No tenant in any label.
    expect(after).not.toContain(tenant.id);
    expect(after).not.toContain(tenant.subdomain);
  });
});
