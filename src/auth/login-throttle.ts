import type { Limiter } from '../limits/limiter.js';
import type { LimitName } from '../limits/policies.js';

// An email's failures past this many are answered after a growing delay (250 ms doubling, at most 4 s).
const SLOW_AFTER = 3;

/**
 * Every sign-in attempt counts against its email and its address before the password is checked
 * (so concurrent attempts cannot slip past the limit); a successful one is given back. Refused:
 * RATE_LIMITED; the store down: SERVICE_UNAVAILABLE (sign-in fails closed).
 */
export class LoginThrottle {
  constructor(private readonly limiter: Limiter<LimitName>) {}

  /** Counts the attempt; returns how long to wait before answering should it fail. */
  async attempt(email: string, address: string): Promise<number> {
    const byEmail = await this.limiter.consume('login.email', email.toLowerCase());
    await this.limiter.consume('login.address', address);
    const excess = byEmail.limit - byEmail.remaining - SLOW_AFTER;
    return excess > 0 ? Math.min(4_000, 250 * 2 ** (excess - 1)) : 0;
  }

  async succeeded(email: string, address: string): Promise<void> {
    await Promise.all([this.limiter.refund('login.email', email.toLowerCase()), this.limiter.refund('login.address', address)]);
  }
}
