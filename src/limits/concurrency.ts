import { HeaderMap } from '@apollo/server';
import { AppError, type ErrorCode } from '../errors.js';

/**
 * A cap on how many of something one subject holds at once (requests in flight, database
 * connections). The rest wait, first come first served, up to `waitMs`, and are then refused.
 */
export type GatePolicy = { max: number; waitMs: number; refusal: { code: ErrorCode; message: string } };

type Waiter = { grant: () => void; timer: NodeJS.Timeout };
type Slot = { held: number; queue: Waiter[] };

/** The concurrency caps (src/limits/policies.ts), per subject, in this process. */
export class Gates<Name extends string> {
  private readonly slots = new Map<string, Slot>();
  /** Waits that ended refused, per cap, in this process (read by the metrics). */
  readonly refusals = new Map<Name, number>();

  constructor(private readonly policies: Readonly<Record<Name, GatePolicy>>) {}

  /** Waits for a place; returns the function that gives it back (call it exactly once). */
  async acquire(name: Name, subject: string): Promise<() => void> {
    const policy = this.policies[name];
    const key = `${name}:${subject}`;
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { held: 0, queue: [] };
      this.slots.set(key, slot);
    }
    if (slot.held < policy.max) {
      slot.held++;
      return this.releaser(key, slot);
    }
    const queued = slot;
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          queued.queue.splice(queued.queue.indexOf(waiter), 1);
          this.refusals.set(name, (this.refusals.get(name) ?? 0) + 1);
          reject(refused(policy));
        }, policy.waitMs),
      };
      queued.queue.push(waiter);
    });
    return this.releaser(key, queued);
  }

  /** Places held and requests waiting for one (the metrics read the pool's). */
  load(name: Name, subject: string): { held: number; waiting: number } {
    const slot = this.slots.get(`${name}:${subject}`);
    return { held: slot?.held ?? 0, waiting: slot?.queue.length ?? 0 };
  }

  private releaser(key: string, slot: Slot): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = slot.queue.shift();
      if (next) next.grant(); // the place passes straight to the next in line
      else if (--slot.held === 0) this.slots.delete(key);
    };
  }
}

/** Places free up within moments: come back in a second (the RateLimit fields count places held at once). */
function refused(policy: GatePolicy): AppError {
  const status = policy.refusal.code === 'RATE_LIMITED' ? 429 : 503;
  const headers = new HeaderMap([
    ['retry-after', '1'],
    ['ratelimit-limit', String(policy.max)],
    ['ratelimit-remaining', '0'],
    ['ratelimit-reset', '1'],
  ]);
  return new AppError(policy.refusal.code, policy.refusal.message, { retryAfterSeconds: 1, http: { status, headers } });
}
