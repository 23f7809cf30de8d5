import { randomInt } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CODE_LENGTH = 8;
export const QR_CODE = /^[0-9A-Za-z]{4,32}$/;

/** A short code, unique platform-wide by chance (47 bits); callers insert with a retry on a clash. */
export const newQrCode = (): string => Array.from({ length: CODE_LENGTH }, () => BASE62[randomInt(BASE62.length)]).join('');
