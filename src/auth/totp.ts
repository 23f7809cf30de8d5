import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { sha256 } from './tokens.js';

// RFC 6238 as authenticator apps expect it: SHA-1, 6 digits, 30-second steps.
const PERIOD = 30;
const ISSUER = 'Anthias Cloud';

const totp = (secret: string, label = '') => new TOTP({ issuer: ISSUER, label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: Secret.fromBase32(secret) });

/** A new TOTP secret (160 bits, base32) and the otpauth:// URI an authenticator app scans. */
export function newTotpSecret(label: string): { secret: string; uri: string } {
  const secret = new Secret({ size: 20 }).base32;
  return { secret, uri: totp(secret, label).toString() };
}

/** The time step the code belongs to (this one, the one before or the one after, for clock drift); null when it matches none. */
export function totpStep(secret: string, code: string, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totp(secret).validate({ token: code, timestamp: now, window: 1 });
  return delta === null ? null : Math.floor(now / 1000 / PERIOD) + delta;
}

/** Ten recovery codes (80 random bits each, `xxxx-xxxx-xxxx-xxxx`), shown once; only their hashes are kept. */
export function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: 10 }, () => {
    const bytes = new Uint8Array(randomBytes(10)); // its own 10-byte buffer, not a view of a shared pool
    return (new Secret({ buffer: bytes.buffer }).base32.toLowerCase().match(/.{4}/g) ?? []).join('-');
  });
  return { codes, hashes: codes.map(recoveryCodeHash) };
}

/** Recovery codes are compared without case, dashes or spaces. */
export const recoveryCodeHash = (code: string): string => sha256(code.toLowerCase().replace(/[\s-]/g, ''));
