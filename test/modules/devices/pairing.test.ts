import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceClient, GatewayError } from '../../../clients/device/player.js';
import { codes, type Harness, type SeededTenant, startHarness } from '../../support/harness.js';

const CLAIM = 'mutation($code: String!, $name: String!) { claimDevice(pairingCode: $code, name: $name) { device { id name } } }';

let h: Harness;
let t: SeededTenant;
let owner: string;

beforeAll(async () => {
  h = await startHarness({ PAIRING_CODE_TTL_SECONDS: '2' });
  t = await h.seedTenant();
  owner = await h.login(t.ownerEmail);
});
afterAll(() => h?.close());

const claim = (code: string, name = 'Paired screen') => h.gql<{ claimDevice: { device: { id: string } } }>(CLAIM, { code, name }, { token: owner, tenant: t.subdomain });
const register = async (client: DeviceClient) => {
  let shown = '';
  const paired = client.pair((code) => {
    shown = code;
  });
  while (!shown) await sleep(10);
  return { code: shown, paired };
};

describe('pairing', () => {
  it('pairs: the player shows a code, a member claims it, the next poll brings the key', async () => {
    const client = new DeviceClient(h.url);
    const { code, paired } = await register(client);
    expect(code).toMatch(/^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);
    const claimed = await claim(code.toLowerCase());
    expect(codes(claimed)).toEqual([]);
    const key = await paired;
    expect(key).toMatch(/^anthias_dk_/);
    const state = await client.playlist();
    expect(state.assets).toEqual([]);
    await client.heartbeat('reference-client/test');
  });

  it('refuses a reused code', async () => {
    const client = new DeviceClient(h.url);
    const { code, paired } = await register(client);
    expect(codes(await claim(code))).toEqual([]);
    const again = await claim(code);
    expect(codes(again)).toEqual(['BAD_USER_INPUT']);
    expect(again.body.errors?.[0]?.message).toMatch(/invalid, expired or already used/);
    await paired;
  });

  it('refuses an expired code, and the player learns it has expired', async () => {
    const client = new DeviceClient(h.url);
    const { code, paired } = await register(client);
    const outcome = paired.then(() => null, (err: unknown) => err);
    await sleep(2_200);
    expect(codes(await claim(code))).toEqual(['BAD_USER_INPUT']);
    expect(await outcome).toBeInstanceOf(GatewayError);
  });

  it('refuses a wrong polling secret', async () => {
    const r = await h.post(JSON.stringify({ query: 'mutation { pollPairing(pollingSecret: "not-the-secret") { state } }' }));
    expect(JSON.parse(r.text).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('throttles guessing codes per tenant and registering per address', async () => {
    const guesser = await h.seedTenant();
    const token = await h.login(guesser.ownerEmail);
    const results: (string | undefined)[] = [];
    for (let i = 0; i < 21; i++) {
      const r = await h.gql(CLAIM, { code: `ZZZZ-ZZ${String(i).padStart(2, '2').replace(/[01]/g, '3')}`, name: 'x' }, { token, tenant: guesser.subdomain });
      results.push(codes(r)[0]);
    }
    expect(results.slice(0, 20).every((c) => c === 'BAD_USER_INPUT')).toBe(true);
    expect(results[20]).toBe('RATE_LIMITED');

    const registrations: (string | undefined)[] = [];
    for (let i = 0; i < 11; i++) {
      const r = await h.post(JSON.stringify({ query: 'mutation { registerDevice { pairingCode } }' }), { 'x-forwarded-for': '198.51.100.23' });
      registrations.push(JSON.parse(r.text).errors?.[0]?.extensions?.code);
    }
    expect(registrations.slice(0, 10).every((c) => c === undefined)).toBe(true);
    expect(registrations[10]).toBe('RATE_LIMITED');
  });
});
