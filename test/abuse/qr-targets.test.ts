import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qrContents } from '../../src/db/schema/index.js';
import { codes, type Harness, type SeededTenant, startHarness } from '../support/harness.js';

const CREATE = `mutation($input: CreateQrContentInput!) { createQrContent(input: $input) { id code targetUrl } }`;

let h: Harness;
let t: SeededTenant;
let token: string;

beforeAll(async () => {
  h = await startHarness();
  t = await h.seedTenant();
  token = await h.login(t.ownerEmail);
});
afterAll(() => h?.close());

const create = (targetUrl: string) =>
  h.gql<{ createQrContent: { id: string; code: string; targetUrl: string } }>(CREATE, { input: { name: 'Menu', targetUrl } }, { token, tenant: t.subdomain });
const scan = (code: string) => fetch(h.url.replace('/graphql', `/q/${code}`), { redirect: 'manual' });
const scans = async (id: string) => (await h.admin.select({ n: qrContents.scanCount }).from(qrContents).where(eq(qrContents.id, id)))[0]!.n;

describe('QR targets from the real world', () => {
  it('stores a non-Latin-1 target percent-encoded and redirects to it', async () => {
    const r = await create('https://example.com/café/日本?q=ü#frag');
    expect(codes(r)).toEqual([]);
    const qr = r.body.data!.createQrContent;
    expect(qr.targetUrl).toBe('https://example.com/caf%C3%A9/%E6%97%A5%E6%9C%AC?q=%C3%BC#frag');
    const res = await scan(qr.code);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(qr.targetUrl);
    expect(await scans(qr.id)).toBe(1);
  });

  it('refuses control characters instead of storing them', async () => {
    for (const target of ['https://example.com/a\r\nSet-Cookie: x=1', 'https://example.com/\u0000', 'https://example.com/\tx', 'https://exa\u007fmple.com/']) {
      expect(codes(await create(target))).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('redirects a target stored before normalisation, and counts only scans it redirected', async () => {
    const qr = (await create('https://example.com/plain')).body.data!.createQrContent;
    await h.admin.execute(sql`update qr_contents set target_url = ${'https://example.com/café/日本'} where id = ${qr.id}`);
    const res = await scan(qr.code);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://example.com/caf%C3%A9/%E6%97%A5%E6%9C%AC');
    expect(await scans(qr.id)).toBe(1);
  });
});
