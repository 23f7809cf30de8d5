import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/rows.js';
import { codes, type Harness, type SeededTenant, startHarness, uniq } from '../support/harness.js';
import { anAsset, CREATE_API_KEY, CREATE_ASSET } from '../support/operations.js';

let h: Harness;
let t: SeededTenant;
let token: string;

beforeAll(async () => {
  h = await startHarness();
  t = await h.seedTenant();
  token = await h.login(t.ownerEmail);
});
afterAll(() => h?.close());

const create = (key: string, name: string) =>
  h.gql<{ createAsset: { id: string } }>(CREATE_ASSET, { input: anAsset({ name }) }, { token, tenant: t.subdomain, headers: { 'idempotency-key': key } });
const countNamed = async (name: string) => (await rows<{ n: number }>(h.admin, sql`select count(*)::int as n from assets where name = ${name}`))[0]!.n;

describe('Idempotency-Key', () => {
  it('runs a retried mutation once and answers the retry with the first answer', async () => {
    const key = uniq('key-');
    const name = uniq('asset ');
    const first = await create(key, name);
    const again = await create(key, name);
    expect(codes(first)).toEqual([]);
    expect(codes(again)).toEqual([]);
    expect(again.body.data!.createAsset.id).toBe(first.body.data!.createAsset.id);
    expect((again.body as { extensions?: { idempotentReplay?: boolean } }).extensions?.idempotentReplay).toBe(true);
    expect(await countNamed(name)).toBe(1);
  });

  it('holds under concurrency: ten at once with one key create one asset', async () => {
    const key = uniq('key-');
    const name = uniq('asset ');
    const all = await Promise.all(Array.from({ length: 10 }, () => create(key, name)));
    expect(all.map(codes).flat()).toEqual([]);
    expect(new Set(all.map((r) => r.body.data!.createAsset.id)).size).toBe(1);
    expect(await countNamed(name)).toBe(1);
  });

  it('refuses the key for a different request, and lets a failed attempt be retried', async () => {
    const key = uniq('key-');
    await create(key, uniq('asset '));
    expect(codes(await create(key, uniq('other ')))).toEqual(['BAD_USER_INPUT']);

    const retried = uniq('key-');
    const failed = await h.gql(CREATE_ASSET, { input: anAsset({ mimetype: 'nonsense' }) }, { token, tenant: t.subdomain, headers: { 'idempotency-key': retried } });
    expect(codes(failed)).toEqual(['BAD_USER_INPUT']);
    const name = uniq('fixed ');
    expect(codes(await create(retried, name))).toEqual([]);
    expect(await countNamed(name)).toBe(1);
  });

  it('never replays a secret shown once', async () => {
    const key = uniq('key-');
    const input = { input: { name: 'ci', permissions: ['assets.view'] } };
    const headers = { 'idempotency-key': key };
    const first = await h.gql<{ createApiKey: { secret: string | null; apiKey: { id: string } } }>(CREATE_API_KEY, input, { token, tenant: t.subdomain, headers });
    const again = await h.gql<{ createApiKey: { secret: string | null; apiKey: { id: string } } }>(CREATE_API_KEY, input, { token, tenant: t.subdomain, headers });
    expect(first.body.data!.createApiKey.secret).toMatch(/^anthias_ak_/);
    expect(again.body.data!.createApiKey).toMatchObject({ secret: null, apiKey: { id: first.body.data!.createApiKey.apiKey.id } });
  });

  it('needs a signed-in caller in an organisation, and a sane key', async () => {
    const anonymous = await h.gql('mutation { registerDevice { pairingCode } }', {}, { headers: { 'idempotency-key': uniq('k') } });
    expect(codes(anonymous)).toEqual(['BAD_USER_INPUT']);
    expect(codes(await create('has spaces', uniq('asset ')))).toEqual(['BAD_USER_INPUT']);
  });
});
