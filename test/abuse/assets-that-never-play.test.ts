import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, type Harness, startHarness } from '../support/harness.js';
import { anAsset, CREATE_ASSET, UPDATE_ASSET } from '../support/operations.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

describe('an enabled asset always has the dates it needs to play', () => {
  it('refuses to create an enabled asset without its dates, naming the missing one', async () => {
    const t = await h.seedTenant();
    const as = { token: await h.login(t.ownerEmail), tenant: t.subdomain };
    const noDates = await h.gql(CREATE_ASSET, { input: anAsset({ isEnabled: true }) }, as);
    expect(codes(noDates)).toEqual(['BAD_USER_INPUT']);
    expect(noDates.body.errors![0]!.extensions!.field).toBe('startDate');
    const noEnd = await h.gql(CREATE_ASSET, { input: anAsset({ isEnabled: true, startDate: '2026-01-01T00:00:00Z' }) }, as);
    expect(noEnd.body.errors![0]!.extensions!.field).toBe('endDate');
    const dated = await h.gql(CREATE_ASSET, { input: anAsset({ isEnabled: true, startDate: '2026-01-01T00:00:00Z', endDate: '2036-01-01T00:00:00Z' }) }, as);
    expect(codes(dated)).toEqual([]);
  });

  it('refuses to enable an undated asset, or to clear the dates of an enabled one', async () => {
    const t = await h.seedTenant();
    const as = { token: await h.login(t.ownerEmail), tenant: t.subdomain };
    const draft = await h.gql<{ createAsset: { id: string } }>(CREATE_ASSET, { input: anAsset() }, as);
    expect(codes(draft)).toEqual([]);
    const id = draft.body.data!.createAsset.id;
    expect(codes(await h.gql(UPDATE_ASSET, { id, input: { isEnabled: true } }, as))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await h.gql(UPDATE_ASSET, { id, input: { isEnabled: true, startDate: '2026-01-01T00:00:00Z', endDate: '2036-01-01T00:00:00Z' } }, as))).toEqual([]);
    expect(codes(await h.gql(UPDATE_ASSET, { id, input: { endDate: null } }, as))).toEqual(['BAD_USER_INPUT']);
  });
});
