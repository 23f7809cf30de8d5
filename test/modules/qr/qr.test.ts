import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { qrContents } from '../../../src/db/schema/index.js';
import { setTenantStatus } from '../../../src/modules/tenants/tenant-admin.service.js';
import { codes, type Harness, type SeededTenant, startHarness } from '../../support/harness.js';

const CREATE = `mutation($input: CreateQrContentInput!) { createQrContent(input: $input) { id code name targetUrl scanCount shortUrl svg } }`;
type Qr = { id: string; code: string; name: string; targetUrl: string; scanCount: number; shortUrl: string; svg: string };

let h: Harness;
let a: SeededTenant;
let b: SeededTenant;
let aOwner: string;
let bOwner: string;

beforeAll(async () => {
  h = await startHarness({ PUBLIC_URL: 'https://go.signage.test' });
  [a, b] = [await h.seedTenant(), await h.seedTenant()];
  [aOwner, bOwner] = [await h.login(a.ownerEmail), await h.login(b.ownerEmail)];
});
afterAll(() => h?.close());

const create = async (input: Record<string, unknown>, token = aOwner, tenant = a.subdomain) =>
  h.gql<{ createQrContent: Qr }>(CREATE, { input: { name: 'Menu QR', targetUrl: 'https://menu.example.test/today', ...input } }, { token, tenant });
const scan = (code: string) => fetch(h.url.replace('/graphql', `/q/${code}`), { redirect: 'manual' });
const count = async (id: string) => (await h.admin.select({ n: qrContents.scanCount }).from(qrContents).where(eq(qrContents.id, id)))[0]!.n;

describe('QR contents', () => {
  it('creates with a platform-unique short code, a counted short link and an SVG', async () => {
    const r = await create({});
    expect(codes(r)).toEqual([]);
    const qr = r.body.data!.createQrContent;
    expect(qr.code).toMatch(/^[0-9A-Za-z]{8}$/);
    expect(qr.shortUrl).toBe(`https://go.signage.test/q/${qr.code}`);
    expect(qr.svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(qr.scanCount).toBe(0);
  });

  it('accepts only http and https targets, and only assets of the same tenant', async () => {
    for (const targetUrl of ['ftp://x.test/', 'javascript:alert(1)', 'not a url']) {
      expect(codes(await create({ targetUrl }))).toEqual(['BAD_USER_INPUT']);
    }
    expect(codes(await create({ assetId: '00000000-0000-4000-8000-000000000000' }))).toEqual(['BAD_USER_INPUT']);
  });

  it('updates and deletes; another tenant sees null / NOT_FOUND', async () => {
    const qr = (await create({})).body.data!.createQrContent;
    const upd = await h.gql<{ updateQrContent: { targetUrl: string } }>(
      'mutation($id: ID!) { updateQrContent(id: $id, input: { targetUrl: "http://menu.example.test/v2" }) { targetUrl } }',
      { id: qr.id }, { token: aOwner, tenant: a.subdomain });
    expect(upd.body.data!.updateQrContent.targetUrl).toBe('http://menu.example.test/v2');
    const asB = { token: bOwner, tenant: b.subdomain };
    expect((await h.gql<{ qrContent: null }>('query($id: ID!) { qrContent(id: $id) { id } }', { id: qr.id }, asB)).body.data!.qrContent).toBeNull();
    expect(codes(await h.gql('mutation($id: ID!) { deleteQrContent(id: $id) }', { id: qr.id }, asB))).toEqual(['NOT_FOUND']);
    const listB = await h.gql<{ qrContents: { nodes: { id: string }[] } }>('{ qrContents { nodes { id } } }', {}, asB);
    expect(listB.body.data!.qrContents.nodes.map((n) => n.id)).not.toContain(qr.id);
    expect(codes(await h.gql('mutation($id: ID!) { deleteQrContent(id: $id) }', { id: qr.id }, { token: aOwner, tenant: a.subdomain }))).toEqual([]);
    expect((await scan(qr.code)).status).toBe(404);
  });

  it('redirects a scan with 302 and counts it, with no tenant header', async () => {
    const qr = (await create({})).body.data!.createQrContent;
    const res = await scan(qr.code);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://menu.example.test/today');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await count(qr.id)).toBe(1);
  });

  it('counts 100 parallel scans as 100', async () => {
    const qr = (await create({})).body.data!.createQrContent;
    const results = await Promise.all(Array.from({ length: 100 }, () => scan(qr.code)));
    expect(results.every((r) => r.status === 302)).toBe(true);
    expect(await count(qr.id)).toBe(100);
    const listed = await h.gql<{ qrContent: { scanCount: number; lastScannedAt: string } }>(
      'query($id: ID!) { qrContent(id: $id) { scanCount lastScannedAt } }', { id: qr.id }, { token: aOwner, tenant: a.subdomain });
    expect(listed.body.data!.qrContent.scanCount).toBe(100);
    expect(listed.body.data!.qrContent.lastScannedAt).toBeTruthy();
  });

  it('answers 404 for unknown or malformed codes and counts nothing', async () => {
    const qr = (await create({})).body.data!.createQrContent;
    for (const code of ['ZZZZZZZZ', 'bad!code', qr.code.toLowerCase() === qr.code ? qr.code.toUpperCase() : qr.code.toLowerCase()]) {
      expect((await scan(encodeURIComponent(code))).status).toBe(404);
    }
    expect(await count(qr.id)).toBe(0);
  });

  it("stops redirecting while the tenant is suspended", async () => {
    const c = await h.seedTenant();
    const token = await h.login(c.ownerEmail);
    const qr = (await create({}, token, c.subdomain)).body.data!.createQrContent;
    await setTenantStatus(h.admin, h.app.deps.directory, c.subdomain, 'suspended', 'test');
    expect((await scan(qr.code)).status).toBe(404);
    expect(await count(qr.id)).toBe(0);
  });

  it('needs qr permissions: a viewer may list but not create', async () => {
    const viewer = await h.login((await h.addMember(a.id, 'viewer')).email);
    expect(codes(await h.gql('{ qrContents { totalCount } }', {}, { token: viewer, tenant: a.subdomain }))).toEqual([]);
    expect(codes(await create({}, viewer))).toEqual(['FORBIDDEN']);
  });
});
