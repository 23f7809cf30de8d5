import type { AppDeps } from '../app-deps.js';
import { AppError } from '../errors.js';
import type { ResolvedTenant } from './tenant-directory.js';

/**
 * Requests per minute, per tenant (not per key: more keys buy no more). A fixed one-minute
 * window in the key-value store. When the store is down the limit fails open, with a warning:
 * refusing every request of every tenant would be worse than a minute without a limit.
 */
export async function enforceRequestLimit(deps: Pick<AppDeps, 'store' | 'log'>, tenant: ResolvedTenant): Promise<void> {
  const minute = Math.floor(Date.now() / 60_000);
  let count: number;
  try {
    count = await deps.store.incr(`rate:${tenant.id}:${minute}`, 60);
  } catch (err) {
    deps.log.warn({ err, tenant_id: tenant.id }, 'rate-limit store unavailable: request allowed without a limit');
    return;
  }
  if (count > tenant.requestsPerMinute) {
    throw AppError.request('RATE_LIMITED', 'This organisation has reached its requests-per-minute limit', {
      limit: tenant.requestsPerMinute,
      retryAfterSeconds: 60 - Math.floor((Date.now() / 1000) % 60),
    });
  }
}
