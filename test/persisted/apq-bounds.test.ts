import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { codes, type Harness, type SeededTenant, startHarness, uniq } from '../support/harness.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const target = inject('testDatabase');

/** Registers `query` under its hash (APQ's second step), then asks for it by hash alone. */
async function register(h: Harness, query: string, headers: Record<string, string>): Promise<{ ran: boolean; registered: boolean }> {
  const extensions = { persistedQuery: { version: 1, sha256Hash: sha(query) } };
  const first = await h.post(JSON.stringify({ query, extensions }), headers);
  const ran = first.status === 200 && !JSON.parse(first.text).errors;
  const again = JSON.parse((await h.post(JSON.stringify({ extensions }), headers)).text) as { errors?: { extensions: { code: string } }[] };
  return { ran, registered: !again.errors };
}

const padded = (bytes: number, tag: string) => `{ __typename } # ${tag} ${'x'.repeat(bytes)}`;

describe('automatic persisted queries are bounded', () => {
  let h: Harness;
  let t: SeededTenant;
  let token: string;
  beforeAll(async () => {
    h = await startHarness();
    t = await h.seedTenant();
    token = await h.login(t.ownerEmail);
  });
  afterAll(() => h?.close());

  it('anonymous callers register only a few documents per address; the rest still run', async () => {
    const address = { 'x-forwarded-for': `198.51.100.${Math.floor(Math.random() * 250) + 1}` };
    const results = [];
    for (let i = 0; i < 30; i++) results.push(await register(h, padded(100, uniq('anon')), address));
    expect(results.every((r) => r.ran)).toBe(true);
    const registered = results.filter((r) => r.registered).length;
    expect(registered).toBeGreaterThanOrEqual(1);
    expect(registered).toBeLessThanOrEqual(10);
  });

  it('a document over the size cap is run but never stored', async () => {
    const big = padded(40_000, uniq('big'));
    expect(await register(h, big, { authorization: `Bearer ${token}`, 'x-tenant-id': t.subdomain })).toEqual({ ran: true, registered: false });
  });

  it('a signed-in member registers within the tenant budget, and entries live at most a day', async () => {
    const query = padded(100, uniq('member'));
    expect(await register(h, query, { authorization: `Bearer ${token}`, 'x-tenant-id': t.subdomain })).toEqual({ ran: true, registered: true });
    if (target.engine === 'postgres' && target.redisUrl) {
      const redis = new Redis(target.redisUrl);
      try {
        const ttl = await redis.pttl(`${h.app.deps.config.redis.prefix}apq:${sha(query)}`);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(24 * 3600 * 1000);
      } finally {
        redis.disconnect();
      }
    }
  });

  it('answers a wrong version or a hash that does not match with a coded client error', async () => {
    const query = '{ __typename }';
    const v2 = await h.post(JSON.stringify({ query, extensions: { persistedQuery: { version: 2, sha256Hash: sha(query) } } }));
    expect(v2.status).toBe(400);
    expect(codes({ ...v2, body: JSON.parse(v2.text) } as never)).toEqual(['BAD_USER_INPUT']);
    const mismatch = await h.post(JSON.stringify({ query, extensions: { persistedQuery: { version: 1, sha256Hash: 'c'.repeat(64) } } }));
    expect(mismatch.status).toBe(400);
    expect(codes({ ...mismatch, body: JSON.parse(mismatch.text) } as never)).toEqual(['BAD_USER_INPUT']);
  });
});
