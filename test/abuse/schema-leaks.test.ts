import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, type Harness, startHarness } from '../support/harness.js';

describe('in production the schema does not leak through errors', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ NODE_ENV: 'production' });
  });
  afterAll(() => h?.close());

  it('suggests no field names to an anonymous caller', async () => {
    const r = await h.gql('mutation { crateApiKey }');
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(r.body)).not.toMatch(/Did you mean|createApiKey/);
  });

  it('suggests no argument or type names either', async () => {
    const r = await h.gql('{ assets(frist: 1) { nodes { nam } } }');
    expect(JSON.stringify(r.body)).not.toMatch(/Did you mean|"first"|"name"/);
  });
});
