import { randomBytes, randomInt } from 'node:crypto';
import { sha256 } from '../../auth/tokens.js';
import { AppError, badInput } from '../../errors.js';
import type { Context } from '../../graphql/context.js';
import { assertQuota } from '../tenants/quota.js';
import type { DeviceWithKey } from './device.type.js';
import { insertDevice } from './device.service.js';
import { type PairingStatus, type PairingTicket, PairingState } from './pairing.type.js';

// 32 symbols without 0/O and 1/I: 8 of them are 40 bits, typed by a person from a screen.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 8;
const REGISTRATIONS_PER_ADDRESS = 10;
const CLAIM_FAILURES_PER_TENANT = 20;
const WINDOW_SECONDS = 600;

type PollRecord = { state: 'pending'; expiresAt: number } | { state: 'claimed'; expiresAt: number; deviceKey: string; deviceId: string };

const codeKey = (code: string) => `pairing:code:${code}`;
const pollKey = (secret: string) => `pairing:poll:${sha256(secret)}`;
const normalise = (code: string) => code.toUpperCase().replace(/[\s-]/g, '');

/** An unpaired player asks for a code to show; throttled per address. */
export async function registerDevice(ctx: Context): Promise<PairingTicket> {
  const { store, config } = ctx.deps;
  if ((await store.incr(`pairing-register:ip:${ctx.client.ip}`, WINDOW_SECONDS)) > REGISTRATIONS_PER_ADDRESS) {
    throw new AppError('RATE_LIMITED', 'Too many pairing requests from this address; try again later');
  }
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
 * device key reaches the player's next poll only once the device row has committed.
 */
export async function claimDevice(ctx: Context, pairingCode: string, name: string): Promise<DeviceWithKey> {
  const { store } = ctx.deps;
  const failures = `pairing-claim-fail:tenant:${ctx.tenant!.id}`;
  if (Number((await store.get(failures)) ?? 0) >= CLAIM_FAILURES_PER_TENANT) {
    throw new AppError('RATE_LIMITED', 'Too many wrong pairing codes; try again later');
  }
  await assertQuota(ctx, 'devices'); // before the single-use code is spent
  const raw = await store.take(codeKey(normalise(pairingCode)));
  if (!raw) {
    await store.incr(failures, WINDOW_SECONDS);
    throw badInput('pairingCode', 'is invalid, expired or already used');
  }
  const { poll, expiresAt } = JSON.parse(raw) as { poll: string; expiresAt: number };
  const created = await insertDevice(ctx, { name }, 'device.claim');
  ctx.db.afterCommit(async () => {
    const record: PollRecord = { state: 'claimed', expiresAt, deviceKey: created.deviceKey, deviceId: created.device.id };
    await store.set(`pairing:poll:${poll}`, JSON.stringify(record), Math.max(1, Math.ceil((expiresAt - Date.now()) / 1000)));
  });
  return created;
}

/** The player polls with its secret; the key is handed over once, then the ticket is gone. */
export async function pollPairing(ctx: Context, pollingSecret: string): Promise<PairingStatus> {
  const { store } = ctx.deps;
  const raw = await store.get(pollKey(pollingSecret));
  const record = raw ? (JSON.parse(raw) as PollRecord) : null;
  if (!record) throw badInput('pollingSecret', 'is unknown or its pairing code has expired');
  if (record.state === 'pending') return { state: PairingState.PENDING, deviceKey: null, deviceId: null };
  if (!(await store.take(pollKey(pollingSecret)))) throw badInput('pollingSecret', 'was already used');
  return { state: PairingState.CLAIMED, deviceKey: record.deviceKey, deviceId: record.deviceId };
}
