import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, type Harness, startHarness, statements } from '../support/harness.js';

/** `n` copies of `field`, aliased `${prefix}0`…; `aliases` wraps them as a whole query. */
const selections = (n: number, field: string, prefix = 'a') => Array.from({ length: n }, (_, i) => `${prefix}${i}: ${field}`).join('\n');
const aliases = (n: number, field: string) => `{ ${selections(n, field)} }`;
const FLOOD = aliases(30, 'assets(first: 100, orderBy: NAME_ASC) { totalCount nodes { createdBy { email } isActive } }');
const SVGS = aliases(30, 'qrContents(first: 100) { nodes { svg } }');

describe('the cost of a request is weighed before it runs', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it('refuses 3,000 QR renderings with QUERY_TOO_COMPLEX before running anything', async () => {
    const t = await h.seedTenant({ plan: 'enterprise' });
    const token = await h.login(t.ownerEmail);
    await h.gql('{ currentTenant { id } }', {}, { token, tenant: t.subdomain }); // resolution and membership cached
    const r = await h.gql(SVGS, {}, { token, tenant: t.subdomain });
    expect(r.status).toBe(400);
    expect(codes(r)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(r.body.errors![0]!.extensions).toMatchObject({ cost: 153_030, maxCost: 100_000 });
    expect(statements(r)).toBe(0);
  });

  it('weighs by plan: thirty pages of a hundred assets pass on professional and not on basic', async () => {
    const pro = await h.seedTenant({ plan: 'professional' });
    const proToken = await h.login(pro.ownerEmail);
    const ok = await h.gql<Record<string, { nodes: unknown[] }>>(FLOOD, {}, { token: proToken, tenant: pro.subdomain });
    expect(codes(ok)).toEqual([]);
    expect(Object.keys(ok.body.data!)).toHaveLength(30);

    const basic = await h.seedTenant({ plan: 'basic' });
    const basicToken = await h.login(basic.ownerEmail);
    const refused = await h.gql(FLOOD, {}, { token: basicToken, tenant: basic.subdomain });
    expect(codes(refused)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(refused.body.errors![0]!.extensions).toMatchObject({ cost: 15_030, maxCost: 5_000 });
  });

  it('counts page sizes given in variables, and shows each plan its bound', async () => {
    const t = await h.seedTenant({ plan: 'basic' });
    const token = await h.login(t.ownerEmail);
    const q = `query($n: Int) { ${selections(20, 'assets(first: $n) { nodes { id name } }')} currentTenant { limits { maxQueryCost } } }`;
    expect(codes(await h.gql(q, { n: 10 }, { token, tenant: t.subdomain }))).toEqual([]);
    expect(codes(await h.gql(q, { n: 100 }, { token, tenant: t.subdomain }))).toEqual(['QUERY_TOO_COMPLEX']);
    const limits = await h.gql<{ currentTenant: { limits: { maxQueryCost: number } } }>('{ currentTenant { limits { maxQueryCost } } }', {}, { token, tenant: t.subdomain });
    expect(limits.body.data!.currentTenant.limits.maxQueryCost).toBe(5_000);
  });

  it('weighs what a variable includes or skips, for each value of it', async () => {
    const t = await h.seedTenant({ plan: 'basic' });
    const token = await h.login(t.ownerEmail);
    // 14 pages of 100 × 4 fields: 5,614, past basic's 5,000 (and within the 30 aliases a document may have).
    const pages = (directive: string, prefix: string) => selections(14, `assets(first: 100) ${directive} { nodes { id name uri mimetype } }`, prefix);
    const q = `query($all: Boolean!, $none: Boolean!) { currentTenant { id } ${pages('@include(if: $all)', 'a')} ${pages('@skip(if: $none)', 'b')} }`;
    const run = (all: boolean, none: boolean) => h.gql(q, { all, none }, { token, tenant: t.subdomain }).then(codes);
    expect(await run(false, true)).toEqual([]);
    expect(await run(true, true)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(await run(false, false)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(await run(false, true)).toEqual([]);
  });

  it('weighs a document again after a request refused for its variables (no cost is kept for it)', async () => {
    const t = await h.seedTenant({ plan: 'basic' });
    const token = await h.login(t.ownerEmail);
    const q = `query($n: Int, $s: String!) { ${selections(20, 'assets(first: $n, filter: { search: $s }) { nodes { id name } }')} }`;
    const refused = await h.gql(q, { n: 100 }, { token, tenant: t.subdomain });
    expect(codes(refused)).not.toContain('QUERY_TOO_COMPLEX');
    expect(codes(refused).length).toBeGreaterThan(0);
    expect(codes(await h.gql(q, { n: 100, s: 'x' }, { token, tenant: t.subdomain }))).toEqual(['QUERY_TOO_COMPLEX']);
    expect(codes(await h.gql(q, { n: 10, s: 'x' }, { token, tenant: t.subdomain }))).toEqual([]);
  });

  it('tells the values of a page size apart whatever its variable is called, __proto__ included', async () => {
    const t = await h.seedTenant({ plan: 'basic' });
    const token = await h.login(t.ownerEmail);
    const q = `query($__proto__: Int) { ${selections(20, 'assets(first: $__proto__) { nodes { id name } }')} }`;
    // A GET's variables are parsed with JSON.parse, which keeps `__proto__` as a variable.
    const get = async (n: number) => {
      const url = new URL(h.url);
      url.searchParams.set('query', q);
      url.searchParams.set('variables', `{"__proto__": ${n}}`);
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, 'x-tenant-id': t.subdomain, 'apollo-require-preflight': 'true' } });
      const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
      return (body.errors ?? []).map((e) => e.extensions?.code);
    };
    expect(await get(1)).toEqual([]);
    expect(await get(100)).toEqual(['QUERY_TOO_COMPLEX']);
  });
});
