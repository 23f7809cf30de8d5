import { afterAll, describe, expect, inject, it } from 'vitest';
import { createStore, type KeyValueStore } from '../../src/cache/index.js';
import { createLogger } from '../../src/logger.js';
import { uniq } from '../support/harness.js';

// The store the suite runs on: Redis under TEST_REDIS_URL (a prefix of its own), else the in-process one.
const target = inject('testDatabase');
const redisUrl = target.engine === 'postgres' ? target.redisUrl : undefined;

describe('KeyValueStore.scan and deleteByPrefix', () => {
  let store: KeyValueStore;
  afterAll(() => store?.close());

  it('find and delete exactly the keys under a prefix, in bounded batches, glob characters taken literally', async () => {
    store = await createStore({ url: redisUrl, prefix: `${uniq('anthias-scan-')}:`, timeoutMs: 2_000 }, createLogger('silent'));
    const many = Array.from({ length: 1_200 }, (_, i) => `playlist:t1:${i}`);
    for (const key of [...many, 'playlist:t10:x', 'playlist-gen:t1', 'odd*[key]?:a', 'odd*[key]?:b', 'oddXkey:c']) await store.set(key, 'v', 600);

    const batches: string[][] = [];
    for await (const keys of store.scan('playlist:t1:')) batches.push(keys);
    expect(batches.flat().sort()).toEqual([...many].sort());
    expect(batches.length).toBeGreaterThan(1);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThan(1_200);

    expect(await store.deleteByPrefix('odd*[key]?:')).toBe(2);
    expect(await store.get('oddXkey:c')).toBe('v');
    expect(await store.deleteByPrefix('playlist:t1:')).toBe(1_200);
    expect(await store.get('playlist:t10:x')).toBe('v');
    expect(await store.get('playlist-gen:t1')).toBe('v');
    expect(await store.deleteByPrefix('playlist:t1:')).toBe(0);
  });
});
