import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, type SeededTenant, startHarness } from '../support/harness.js';

let h: Harness;
let t: SeededTenant;

beforeAll(async () => {
  h = await startHarness({ BODY_LIMIT_BYTES: '20000', MAX_QUERY_DEPTH: '2', MAX_QUERY_ALIASES: '20', MAX_QUERY_TOKENS: '2000' });
  t = await h.seedTenant();
});
afterAll(() => h?.close());

const healthy = async () => {
  const r = await h.gql<{ currentTenant: { subdomain: string } }>('{ currentTenant { subdomain } }', {}, { tenant: t.subdomain });
  expect(r.status).toBe(200);
  expect(r.body.data?.currentTenant.subdomain).toBe(t.subdomain);
};

// As Apollo Client asks: refused documents keep their 4xx (GraphQL over HTTP).
const post = (body: string, headers: Record<string, string> = {}) => h.post(body, { accept: 'application/graphql-response+json', ...headers });

const errorCode = (text: string) => (JSON.parse(text) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code;

describe('requests that are bad at the HTTP or GraphQL level', () => {
  const cases: [string, () => Promise<{ status: number; text: string }>, number, string][] = [
    ['malformed JSON', () => post('{"query": "{ currentTenant { id }'), 400, 'BAD_USER_INPUT'],
    ['a wrong content type', () => post('query', { 'content-type': 'text/plain' }), 415, 'BAD_USER_INPUT'],
    ['form-encoded content', () => post('query=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'BAD_USER_INPUT'],
    ['an empty body', () => post(''), 400, 'BAD_USER_INPUT'],
    ['an oversized body', () => post(JSON.stringify({ query: `{ currentTenant { id } } # ${'x'.repeat(30_000)}` })), 413, 'BAD_USER_INPUT'],
    ['a batched array', () => post(JSON.stringify([{ query: '{ currentTenant { id } }' }, { query: '{ currentTenant { id } }' }])), 400, 'BAD_USER_INPUT'],
    ['a body without a query', () => post(JSON.stringify({ variables: {} })), 400, 'BAD_USER_INPUT'],
    ['a syntax error', () => post(JSON.stringify({ query: '{ currentTenant { id ' })), 400, 'BAD_USER_INPUT'],
    ['an unknown field', () => post(JSON.stringify({ query: '{ nothingHere }' })), 400, 'BAD_USER_INPUT'],
    [
      'a document nested thousands deep',
      () => post(JSON.stringify({ query: `{ ${'a { '.repeat(2500)}id${' }'.repeat(2500)} }` })),
      400,
      'QUERY_TOO_COMPLEX',
    ],
    [
      'a document nested past the depth limit',
      () => post(JSON.stringify({ query: '{ currentTenant { limits { maxAssets } } }' })),
      400,
      'QUERY_TOO_COMPLEX',
    ],
    [
      'thousands of aliases',
      () => post(JSON.stringify({ query: `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: __typename`).join(' ')} }` })),
      400,
      'QUERY_TOO_COMPLEX',
    ],
    [
      'more aliases than the limit',
      () => post(JSON.stringify({ query: `{ ${Array.from({ length: 25 }, (_, i) => `a${i}: currentTenant { id }`).join(' ')} }` })),
      400,
      'QUERY_TOO_COMPLEX',
    ],
    [
      'thousands of tokens',
      () => post(JSON.stringify({ query: `{ currentTenant { ${'id '.repeat(3000)} } }` })),
      400,
      'QUERY_TOO_COMPLEX',
    ],
  ];

  it.each(cases)('%s gets a 4xx with a code, and the next request still succeeds', async (_name, send, status, code) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(errorCode(res.text)).toBe(code);
    await healthy();
  });

  it('answers a client that accepts only application/json with 200 and the coded errors for a refused document', async () => {
    for (const query of ['{ currentTenant { id ', '{ nothingHere }', '{ currentTenant { limits { maxAssets } } }']) {
      const res = await h.post(JSON.stringify({ query }), { accept: 'application/json' });
      expect(res.status).toBe(200);
      expect(['BAD_USER_INPUT', 'QUERY_TOO_COMPLEX']).toContain(errorCode(res.text));
    }
  });

  it('answers GET /graphql queries (no ambient credential is read, so no preflight header is needed) and refuses mutations over GET', async () => {
    const q = encodeURIComponent('{ currentTenant { subdomain } }');
    const res = await fetch(`${h.url}?query=${q}`, { headers: { 'x-tenant-id': t.subdomain } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { currentTenant: { subdomain: string } } }).data.currentTenant.subdomain).toBe(t.subdomain);
    const m = encodeURIComponent('mutation { logout }');
    const mutation = await fetch(`${h.url}?query=${m}`, { headers: { 'x-tenant-id': t.subdomain, accept: 'application/graphql-response+json' } });
    expect(mutation.status).toBe(405);
  });

  it('sets security headers and a request id on every response', async () => {
    for (const res of [await fetch(h.url.replace('/graphql', '/healthz')), await post('{')]) {
      expect(res.headers.get('strict-transport-security')).toContain('max-age=');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain('https://embeddable-sandbox.cdn.apollographql.com');
      expect(res.headers.get('x-request-id')).toBeTruthy();
    }
  });

  it('keeps a well-formed x-request-id and replaces a malformed one', async () => {
    const kept = await h.post(JSON.stringify({ query: '{ __typename }' }), { 'x-request-id': 'trace-abc.123' });
    expect(kept.headers.get('x-request-id')).toBe('trace-abc.123');
    const replaced = await h.post(JSON.stringify({ query: '{ __typename }' }), { 'x-request-id': 'bad id\twith spaces' });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reports health and readiness', async () => {
    const base = h.url.replace('/graphql', '');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', database: 'ok', cache: 'ok' });
  });
});
