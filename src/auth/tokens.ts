import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

export const sameHash = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Credential kinds: session tokens, API keys, device keys. The visible prefix tells them apart. */
export type CredentialKind = 'st' | 'ak' | 'dk';

const KEY = /^anthias_(ak|dk)_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const SESSION = /^anthias_st_([A-Za-z0-9_-]{43})$/;

/** A session token: 256 random bits, opaque, stored only as a hash. */
export const newSessionToken = (): string => `anthias_st_${randomBytes(32).toString('base64url')}`;

/**
 * A key: `anthias_<kind>_<public prefix>_<secret>`. The prefix finds the row and lets a leaked
 * key be recognised (secret scanners, logs); only the secret's hash is stored.
 */
export function mintKey(kind: 'ak' | 'dk'): { key: string; prefix: string; hash: string } {
  const prefix = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { key: `anthias_${kind}_${prefix}_${secret}`, prefix, hash: sha256(secret) };
}

export type ParsedCredential = { kind: CredentialKind; prefix?: string; secret: string };

export function parseCredential(token: string): ParsedCredential | null {
  const session = SESSION.exec(token);
  if (session) return { kind: 'st', secret: token };
  const key = KEY.exec(token);
  if (key) return { kind: key[1] as 'ak' | 'dk', prefix: key[2]!, secret: key[3]! };
  return null;
}
