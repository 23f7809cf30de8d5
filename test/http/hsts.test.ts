import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';

const hstsOf = (env: Record<string, string>) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(env);
  });
  afterAll(() => h?.close());
  return async () => (await fetch(h.url.replace('/graphql', '/healthz'))).headers.get('strict-transport-security');
};

describe('HSTS by default', () => {
  const hsts = hstsOf({});
  it('lasts a year and covers subdomains, without preload', async () => {
    expect(await hsts()).toBe('max-age=31536000; includeSubDomains');
  });
});

describe('HSTS with HSTS_PRELOAD=true', () => {
  const hsts = hstsOf({ HSTS_PRELOAD: 'true' });
  it('adds preload', async () => {
    expect(await hsts()).toBe('max-age=31536000; includeSubDomains; preload');
  });
});
