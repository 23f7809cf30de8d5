import type { KeyValueStore } from '../cache/kv-store.js';
import { AppError } from '../errors.js';

const WINDOW_SECONDS = 15 * 60;
// An email's failures past this many are answered after a growing delay (250 ms doubling, at most 4 s).
const SLOW_AFTER = 3;

const keys = (email: string, address: string) => [`login-fail:email:${email.toLowerCase()}`, `login-fail:ip:${address}`] as const;

/**
 * Repeated failures for one email or one address are slowed, then refused for the rest of the
 * window. Sign-in fails closed: when the store cannot be read, nobody signs in.
 */
export class LoginThrottle {
  constructor(
    private readonly store: KeyValueStore,
    private readonly limits: { perEmail: number; perAddress: number },
  ) {}

  /** Throws RATE_LIMITED when refused; otherwise returns how long to wait before answering a failure. */
  async check(email: string, address: string): Promise<number> {
    let counts: number[];
    try {
      counts = (await Promise.all(keys(email, address).map((k) => this.store.get(k)))).map((v) => Number(v ?? 0));
    } catch {
      throw new AppError('RATE_LIMITED', 'Sign-in is unavailable right now; try again shortly');
    }
    const [byEmail = 0, byAddress = 0] = counts;
    if (byEmail >= this.limits.perEmail || byAddress >= this.limits.perAddress) {
      throw new AppError('RATE_LIMITED', 'Too many failed sign-in attempts; try again later', {
        retryAfterSeconds: WINDOW_SECONDS,
      });
    }
    const excess = byEmail - SLOW_AFTER + 1;
    return excess > 0 ? Math.min(4_000, 250 * 2 ** (excess - 1)) : 0;
  }

  async failed(email: string, address: string): Promise<void> {
    await Promise.all(keys(email, address).map((k) => this.store.incr(k, WINDOW_SECONDS)));
  }

  async succeeded(email: string): Promise<void> {
    await this.store.del(keys(email, '')[0]);
  }
}
