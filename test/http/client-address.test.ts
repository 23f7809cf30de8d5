import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, type Harness, startHarness } from '../support/harness.js';
import { anAsset, AUDIT_LOGS, CREATE_ASSET } from '../support/operations.js';

const LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }';

async function auditedAddress(h: Harness, headers: Record<string, string>): Promise<{ codes: (string | undefined)[]; ip?: string | null }> {
  const t = await h.seedTenant();
  const token = await h.login(t.ownerEmail);
  const created = await h.gql<{ createAsset: { id: string } }>(CREATE_ASSET, { input: anAsset() }, { token, tenant: t.subdomain, headers });
  if (codes(created).length) return { codes: codes(created) };
  const audit = await h.gql<{ auditLogs: { nodes: { ipAddress: string | null }[] } }>(AUDIT_LOGS, { filter: { action: 'asset.create' } }, { token, tenant: t.subdomain });
  return { codes: [], ip: audit.body.data!.auditLogs.nodes[0]!.ipAddress };
}

describe('client addresses with no trusted proxy (the default)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ TRUST_PROXY: '', LOGIN_FAILURES_PER_ADDRESS: '5', LOGIN_FAILURES_PER_EMAIL: '1000' });
  });
  afterAll(() => h?.close());

  it('records the connection address in the audit trail, not the header', async () => {
    expect(await auditedAddress(h, { 'x-forwarded-for': '198.51.100.77' })).toEqual({ codes: [], ip: '127.0.0.1' });
  });

  it('a malformed X-Forwarded-For breaks nothing', async () => {
    expect(await auditedAddress(h, { 'x-forwarded-for': 'not-an-ip' })).toEqual({ codes: [], ip: '127.0.0.1' });
  });

  // Last: it spends this address's sign-in failures.
  it('ignores X-Forwarded-For: rotating it does not escape the per-address sign-in limit', async () => {
    const outcomes: (string | undefined)[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await h.gql(LOGIN, { e: `nobody${i}@example.test`, p: 'wrong-password' }, { headers: { 'x-forwarded-for': `203.0.113.${i + 1}` } });
      outcomes.push(codes(r)[0]);
    }
    expect(outcomes.slice(0, 5)).toEqual(Array(5).fill('UNAUTHENTICATED'));
    expect(outcomes.slice(5)).toEqual(Array(3).fill('RATE_LIMITED'));
  });
});

describe('client addresses behind a trusted proxy (TRUST_PROXY)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ TRUST_PROXY: '127.0.0.1/32' });
  });
  afterAll(() => h?.close());

  it('takes the address the proxy reports', async () => {
    expect(await auditedAddress(h, { 'x-forwarded-for': '198.51.100.77' })).toEqual({ codes: [], ip: '198.51.100.77' });
  });

  it('ignores an address that is not one, keeping the connection address', async () => {
    expect(await auditedAddress(h, { 'x-forwarded-for': 'not-an-ip' })).toEqual({ codes: [], ip: '127.0.0.1' });
  });

  it('refuses a TRUST_PROXY that is neither a hop count nor addresses', async () => {
    await expect(startHarness({ TRUST_PROXY: 'everyone' })).rejects.toThrow(/TRUST_PROXY/);
  });
});
