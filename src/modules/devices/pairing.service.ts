import { randomBytes, randomInt } from 'node:crypto';
import { authenticateDeviceKey } from '../../auth/device-key-auth.js';
import { parseCredential, sha256 } from '../../auth/tokens.js';
import { badInput } from '../../errors.js';
import type { RequestContext, TenantContext } from '../../tenancy/context.js';
import { assertQuota } from '../tenants/quota.js';
import type { DeviceWithKey } from './device.type.js';
import { insertDevice } from './device.service.js';
import { type PairingStatus, type PairingTicket, PairingState } from './pairing.type.js';

// 32 symbols without 0/O and 1/I: 8 of them are 40 bits, typed by a person from a screen.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 8;

type PollRecord = { state: 'pending'; expiresAt: number } | { state: 'claimed'; expiresAt: number; deviceKey: string; deviceId: string };

const codeKey = (code: string) => `pairing:code:${code}`;
const pollKey = (secret: string) => `pairing:poll:${sha256(secret)}`;
const normalise = (code: string) => code.toUpperCase().replace(/[\s-]/g, '');

/** An unpaired player asks for a code to show; throttled per address. */
export async function registerDevice(ctx: RequestContext): Promise<PairingTicket> {
  const { store, config, limiter } = ctx.deps;
  await limiter.consume('pairing.register.address', ctx.client.ip);
  const ttl = config.devices.pairingCodeTtlSeconds;
  const expiresAt = Date.now() + ttl * 1000;
  const pollingSecret = randomBytes(32).toString('base64url');
  for (let attempt = 0; attempt < 5; attempt++) {
    const code = Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    if (await store.setIfAbsent(codeKey(code), JSON.stringify({ poll: sha256(pollingSecret), expiresAt }), ttl)) {
      await store.set(pollKey(pollingSecret), JSON.stringify({ state: 'pending', expiresAt } satisfies PollRecord), ttl);
      return { pairingCode: `${code.slice(0, 4)}-${code.slice(4)}`, pollingSecret, expiresAt: new Date(expiresAt), pollIntervalSeconds: Math.max(1, Math.min(5, Math.floor(ttl / 10))) };
    }
  }
  throw new Error('could not allocate a pairing code');
}

/**
 * A member types the code shown on the screen. The code is taken atomically (single use); the
 * device key is handed to the poll record now, but the player's poll delivers it only once the
 * device's row is committed (pollPairing checks the key itself).
 */
export async function claimDevice(ctx: TenantContext, pairingCode: string, name: string): Promise<DeviceWithKey> {
  const { store, limiter } = ctx.deps;
  // Counted before the code is tried; a right code is given back.
  await limiter.consume('pairing.claim.tenant', ctx.tenant.id);
  await assertQuota(ctx, 'devices'); // before the single-use code is spent
  const raw = await store.take(codeKey(normalise(pairingCode)));
  if (!raw) throw badInput('pairingCode', 'is invalid, expired or already used');
  await limiter.refund('pairing.claim.tenant', ctx.tenant.id);
  const { poll, expiresAt } = JSON.parse(raw) as { poll: string; expiresAt: number };
  const created = await insertDevice(ctx, { name }, 'device.claim');
  const record: PollRecord = { state: 'claimed', expiresAt, deviceKey: created.deviceKey, deviceId: created.device.id };
  await store.set(`pairing:poll:${poll}`, JSON.stringify(record), Math.max(1, Math.ceil((expiresAt - Date.now()) / 1000)));
  return created;
}

/** The claim's transaction committed exactly when its device key works. */
async function deviceCommitted(ctx: RequestContext, deviceKey: string): Promise<boolean> {
  const key = parseCredential(deviceKey);
  return key?.kind === 'dk' && (await authenticateDeviceKey(ctx.pool, ctx.deps.bus, key.prefix!, key.secret)) !== null;
}

/** The player polls with its secret; the key is handed over once, then the ticket is gone. */
export async function pollPairing(ctx: RequestContext, pollingSecret: string): Promise<PairingStatus> {
  const { store } = ctx.deps;
  const raw = await store.get(pollKey(pollingSecret));
  const record = raw ? (JSON.parse(raw) as PollRecord) : null;
  if (!record) throw badInput('pollingSecret', 'is unknown or its pairing code has expired');
  if (record.state === 'pending' || !(await deviceCommitted(ctx, record.deviceKey))) {
    return { state: PairingState.PENDING, deviceKey: null, deviceId: null };
  }
  if (!(await store.take(pollKey(pollingSecret)))) throw badInput('pollingSecret', 'was already used');
  return { state: PairingState.CLAIMED, deviceKey: record.deviceKey, deviceId: record.deviceId };
}
