import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const codesOf = (text: string) => ((JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] }).errors ?? []).map((e) => e.extensions?.code);

describe('requests at the edge of GraphQL over HTTP get coded client errors', () => {
  it('a subscription sent over HTTP', async () => {
    const r = await h.post(JSON.stringify({ query: 'subscription { currentTenant { id } }' }));
    expect(r.status).toBeLessThan(500);
    expect(codesOf(r.text)).toEqual(['BAD_USER_INPUT']);
  });

  it('a repeated query parameter on GET', async () => {
    const q = encodeURIComponent('{ __typename }');
    const res = await fetch(`${h.url}?query=${q}&query=${q}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(res.status).toBeLessThan(500);
    expect(codesOf(await res.text())).toEqual(['BAD_USER_INPUT']);
  });

  it('a cursor that passes a glance but not PostgreSQL', async () => {
    const t = await h.seedTenant();
    const token = await h.login(t.ownerEmail);
    for (const body of [
      { o: 'assets.createdAt.desc', k: '1', id: '00000000-0000-4000-8000-000000000000' },
      { o: 'assets.playOrder.asc', k: '9999999999', id: '00000000-0000-4000-8000-000000000000' },
    ]) {
      const after = Buffer.from(JSON.stringify(body)).toString('base64url');
      const orderBy = body.o === 'assets.playOrder.asc' ? 'PLAY_ORDER_ASC' : 'CREATED_AT_DESC';
      const r = await h.gql('query($a: String, $o: AssetOrder) { assets(after: $a, orderBy: $o) { nodes { id } } }', { a: after, o: orderBy }, { token, tenant: t.subdomain });
      expect(r.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    }
  });
});
