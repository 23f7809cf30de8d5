import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/rows.js';
import { codes, type GqlResult, type Harness, PASSWORD, type SeededTenant, startHarness } from '../support/harness.js';
import { anAsset } from '../support/operations.js';

/**
 * Sign-in, sign-up, invitations, password resets and pairing run before (or without) a
 * signed-in request's transaction, and read accounts outside it. Sent beside another mutation,
 * the embedded engine's single connection would wait for itself and every request after it with
 * it, so such a field must be the only one of its operation. Each request here is bounded: a
 * hang fails the test instead of stalling the suite.
 */
let h: Harness;
let t: SeededTenant;
let editor: { email: string; token: string };
beforeAll(async () => {
  h = await startHarness();
  t = await h.seedTenant();
  const member = await h.addMember(t.id, 'editor');
  editor = { email: member.email, token: await h.login(member.email) };
});
afterAll(() => h?.close());

const BOUND_MS = 10_000;
const bounded = <T>(p: Promise<T>): Promise<T> =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${BOUND_MS} ms`)), BOUND_MS))]);
const send = (query: string, variables: Record<string, unknown>): Promise<GqlResult> =>
  bounded(h.gql(query, variables, { token: editor.token, tenant: t.subdomain }));
const countRows = async () => (await rows<{ n: number }>(h.admin, sql`select count(*)::int as n from assets where tenant_id = ${t.id}::uuid`))[0]!.n;

describe('a public mutation is alone in its operation', () => {
  const login = 'login(email: $e, password: $p) { token }';
  const refused: [string, string][] = [
    ['beside a permissioned mutation', `mutation($i: CreateAssetInput!, $e: String!, $p: String!) { createAsset(input: $i) { id } ${login} }`],
    ['after one', `mutation($i: CreateAssetInput!, $e: String!, $p: String!) { ${login} createAsset(input: $i) { id } }`],
    ['through a fragment', `mutation($i: CreateAssetInput!, $e: String!, $p: String!) { ...M ${login} } fragment M on Mutation { createAsset(input: $i) { id } }`],
    ['through an inline fragment', `mutation($i: CreateAssetInput!, $e: String!, $p: String!) { createAsset(input: $i) { id } ... on Mutation { ${login} } }`],
    ['beside another public one', `mutation($e: String!, $p: String!) { resetPassword(token: "x", password: "An0ther-Passw0rd!") ${login} }`],
  ];
  for (const [name, query] of refused) {
    it(`is refused ${name}, writes nothing, and the gateway goes on answering`, async () => {
      const before = await countRows();
      const r = await send(query, { i: anAsset({}), e: editor.email, p: PASSWORD });
      expect(r.status).toBe(400);
      expect(codes(r)).toEqual(['BAD_USER_INPUT']);
      expect(r.body.errors?.[0]?.message).toMatch(/must be the only field of its mutation/);
      expect(await countRows()).toBe(before);
      expect(codes(await send('{ me { user { email } } }', {}))).toEqual([]);
    });
  }

  it('runs alone, or with __typename', async () => {
    const r = await send(`mutation($e: String!, $p: String!) { __typename ${login} }`, { e: editor.email, p: PASSWORD });
    expect(codes(r)).toEqual([]);
    expect((r.body.data as { login: { token: string } }).login.token).toMatch(/^anthias_st_/);
  });
});
