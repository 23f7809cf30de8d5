import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../../src/cache/kv-store.js';
import { createLogger } from '../../src/logger.js';
import { Limiter } from '../../src/limits/limiter.js';
import { limitPolicies } from '../../src/limits/policies.js';
import { type Harness, startHarness, uniq } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

/**
 * The run's store (Redis, or the in-process one), counting the calls a limiter makes: `calls` when
 * made, `answered` once the store's answer is back (a sync has only taken effect after that).
 */
function counted(store: KeyValueStore) {
  const calls: string[] = [];
  const counts = { answered: 0 };
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(prop));
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (result instanceof Promise) return result.finally(() => counts.answered++);
        counts.answered++;
        return result;
      };
    },
  });
  return { store: proxy, calls, counts };
}

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('not within the time bound');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the approximate request-rate limit', () => {
  it('costs no store round trip per request, syncs all tenants in one batch, and holds across instances', { timeout: 60_000 }, async () => {
    const policies = limitPolicies(h.app.deps.config);
    const log = createLogger('silent');
    const a = counted(h.app.deps.store);
    const b = counted(h.app.deps.store);
    const [one, two] = [new Limiter(policies, a.store, log), new Limiter(policies, b.store, log)];
    // Counts live in whole windows of the clock: start where the window has 15 s left at least,
    // so both instances count in the same one.
    const windowMs = policies['requests.tenant'].windowSeconds * 1000;
    const left = windowMs - (Date.now() % windowMs);
    if (left < 15_000) await new Promise((r) => setTimeout(r, left + 50));
    try {
      const tenants = [uniq('tenant-'), uniq('tenant-'), uniq('tenant-')];
      for (let i = 0; i < 30; i++) for (const t of tenants) await one.consume('requests.tenant', t, { max: 50 });
      expect(a.calls).toEqual([]); // 90 requests, no round trip
      await until(() => a.counts.answered > 0);
      expect(a.calls).toEqual(['hitMany']); // three tenants' counters, one round trip
      // The other instance learns the first one's 30 at its own sync: within one interval, its
      // admissions can exceed the limit by at most what it admits meanwhile (the documented bound).
      for (let i = 0; i < 30; i++) await two.consume('requests.tenant', tenants[0]!, { max: 50 });
      await until(() => b.counts.answered > 0);
      await expect(two.consume('requests.tenant', tenants[0]!, { max: 50 })).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
      await expect(two.consume('requests.tenant', tenants[1]!, { max: 50 })).resolves.toMatchObject({ limit: 50 });
    } finally {
      one.stop();
      two.stop();
    }
  });
});
