import { auditServer } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';

/**
 * graphql-http's conformance audit of GraphQL over HTTP (its version pinned in package.json): every
 * MUST and every SHOULD passes, including the SHOULDs about answering 200 to clients that accept
 * only application/json.
 */
describe('GraphQL over HTTP conformance (graphql-http audit)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it('passes every audit with no warning', async () => {
    const results = await auditServer({ url: h.url });
    const notOk = results.filter((r) => r.status !== 'ok').map((r) => `${r.status}: ${r.name}${'reason' in r ? ` — ${r.reason}` : ''}`);
    expect(notOk).toEqual([]);
    expect(results.length).toBe(61);
  });
});
