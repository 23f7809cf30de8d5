import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest, MANIFEST_PATH } from '../../src/persisted/manifest.js';
import { codes, type Harness, type SeededTenant, startHarness } from '../support/harness.js';
import { byHash, currentHash } from '../support/devices.js';

let h: Harness;
let t: SeededTenant;

beforeAll(async () => {
  h = await startHarness();
  t = await h.seedTenant();
});
afterAll(() => h?.close());

describe('automatic persisted queries', () => {
  it('round-trips with @apollo/client: hash, PERSISTED_QUERY_NOT_FOUND, the document once, then the hash alone', async () => {
    const sent: { hasQuery: boolean; method: string }[] = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      const url = new URL(String(input));
      const body = init?.body ? (JSON.parse(String(init.body)) as { query?: string }) : null;
      sent.push({ hasQuery: Boolean(body?.query ?? url.searchParams.get('query')), method: init?.method ?? 'GET' });
      return fetch(input, init);
    };
    const client = () =>
      new ApolloClient({
        cache: new InMemoryCache(),
        link: new PersistedQueryLink({ sha256: (q: string) => createHash('sha256').update(q).digest('hex'), useGETForHashedQueries: true }).concat(
          new HttpLink({ uri: h.url, fetch: recordingFetch, headers: { 'x-tenant-id': t.subdomain } }),
        ),
      });
    const query = gql`query TenantName { currentTenant { id name subdomain } }`;
    const first = await client().query({ query, fetchPolicy: 'network-only' });
    expect((first.data as { currentTenant: { subdomain: string } }).currentTenant.subdomain).toBe(t.subdomain);
    expect(sent).toEqual([
      { hasQuery: false, method: 'GET' },
      { hasQuery: true, method: 'POST' },
    ]);
    sent.length = 0;
    const second = await client().query({ query, fetchPolicy: 'network-only' });
    expect((second.data as { currentTenant: { id: string } }).currentTenant.id).toBe(t.id);
    expect(sent).toEqual([{ hasQuery: false, method: 'GET' }]);
  });

  it('answers an unknown hash with PERSISTED_QUERY_NOT_FOUND', async () => {
    const r = await h.post(JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }));
    expect(JSON.parse(r.text).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});

describe('trusted documents', () => {
  it('runs a manifest hash without the document, by POST and by GET', async () => {
    const post = await byHash<{ registerDevice: { pairingCode: string } }>(h, 'RegisterDevice', {});
    expect(post.body.data?.registerDevice.pairingCode).toBeTruthy();
    const ext = encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: currentHash('DevicePlaylist') } }));
    const get = await fetch(`${h.url}?extensions=${ext}`, { headers: { 'apollo-require-preflight': 'true' } });
    const body = (await get.json()) as { errors: { extensions: { code: string } }[] };
    // Parsed and run: refused only because no device key came with it.
    expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
  });

  it('under PERSISTED_QUERIES_ONLY refuses every ad-hoc document and runs manifest hashes', async () => {
    const locked = await startHarness({ PERSISTED_QUERIES_ONLY: 'true' });
    try {
      const adhoc = await locked.gql('{ currentTenant { id } }', {}, { tenant: t.subdomain });
      expect(codes(adhoc)).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
      const unknown = await locked.post(JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'b'.repeat(64) } } }));
      expect(JSON.parse(unknown.text).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
      const trusted = await byHash<{ registerDevice: { pairingCode: string } }>(locked, 'RegisterDevice', {});
      expect(trusted.body.data?.registerDevice.pairingCode).toBeTruthy();
    } finally {
      await locked.close();
    }
  });

  it('skips retired entries and refuses an entry whose text does not match its hash', () => {
    const entries = JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')) as Record<string, { retiredAt?: string; document: string }>;
    const [first] = Object.keys(entries);
    const dir = mkdtempSync(join(tmpdir(), 'manifest-'));
    const retired = join(dir, 'retired.json');
    writeFileSync(retired, JSON.stringify({ ...entries, [first!]: { ...entries[first!], retiredAt: '2026-11-27' } }));
    const loaded = loadManifest(retired);
    expect(loaded.has(first!)).toBe(false);
    expect(loaded.size).toBe(Object.keys(entries).length - 1);
    const forged = join(dir, 'forged.json');
    writeFileSync(forged, JSON.stringify({ [first!]: { ...entries[first!], document: '{ __typename }' } }));
    expect(() => loadManifest(forged)).toThrow(/does not match its hash/);
  });
});
