import type { Config } from '../config.js';
import type { GatePolicy } from './concurrency.js';
import type { LimitPolicy } from './limiter.js';

/**
 * Every limit the gateway enforces, with its policy, in one place. Per tenant, not per key: a
 * tenant gets nothing more by minting more keys. Anonymous traffic is limited per address and
 * never spends a tenant's limit.
 */
export function limitPolicies(config: Config) {
  return {
    /** Per tenant; its max is the tenant's plan (or override), given at each count. */
    'requests.tenant': {
      windowSeconds: 60, max: 0, mode: 'approximate', whenStoreDown: 'local',
      message: 'This organisation has reached its requests-per-minute limit',
    },
    'requests.anonymous': {
      windowSeconds: 60, max: config.limits.anonymousPerMinute, mode: 'approximate', whenStoreDown: 'local',
      message: 'Too many requests from this address; sign in or try again shortly',
    },
    'login.email': {
      windowSeconds: 900, max: config.loginFailures.perEmail, mode: 'exact', whenStoreDown: 'refuse',
      message: 'Too many failed sign-in attempts; try again later',
    },
    'login.address': {
      windowSeconds: 900, max: config.loginFailures.perAddress, mode: 'exact', whenStoreDown: 'refuse',
      message: 'Too many failed sign-in attempts; try again later',
    },
    'signup.address': {
      windowSeconds: 3600, max: 5, mode: 'exact', whenStoreDown: 'refuse',
      message: 'Too many sign-ups from this address; try again later',
    },
    /** Verification mails a signed-in account may ask for again. */
    'verification.user': {
      windowSeconds: 3600, max: 5, mode: 'exact', whenStoreDown: 'refuse',
      message: 'Too many verification mails asked for; try again later',
    },
    /** Password-reset mails asked for, per address asked about and per client address (the same answer whether or not it has an account). */
    'password_reset.email': {
      windowSeconds: 3600, max: 3, mode: 'exact', whenStoreDown: 'refuse',
      message: 'Too many password resets asked for; try again later',
    },
    'password_reset.address': {
      windowSeconds: 3600, max: 20, mode: 'exact', whenStoreDown: 'refuse',
      message: 'Too many password resets asked for; try again later',
    },
    'pairing.register.address': {
      windowSeconds: 600, max: 10, mode: 'exact', whenStoreDown: 'refuse',
      message: 'Too many pairing requests from this address; try again later',
    },
    /** Wrong pairing codes per tenant (a right one is given back). */
    'pairing.claim.tenant': {
      windowSeconds: 600, max: 20, mode: 'exact', whenStoreDown: 'refuse',
      message: 'Too many wrong pairing codes; try again later',
    },
    /** Automatic persisted queries stored per tenant (its members and keys) and per anonymous address. */
    'apq.tenant': {
      windowSeconds: 86_400, max: 500, mode: 'exact', whenStoreDown: 'refuse',
      message: 'Too many persisted queries registered today',
    },
    'apq.address': {
      windowSeconds: 3_600, max: 10, mode: 'exact', whenStoreDown: 'refuse',
      message: 'Too many persisted queries registered from this address',
    },
  } satisfies Record<string, LimitPolicy>;
}

export type LimitName = keyof ReturnType<typeof limitPolicies>;

/**
 * Fair share: how much one tenant may hold at once, so that one tenant's flood leaves room for
 * every other. A request waits briefly for its place, then is refused.
 */
export function gatePolicies(config: Config) {
  return {
    /** Requests of one tenant being served at once in this instance. */
    'requests.tenant': {
      max: config.fairShare.tenantRequests, waitMs: 2_000,
      refusal: { code: 'RATE_LIMITED', message: 'This organisation has too many requests in progress; try again shortly' },
    },
    /** Pool connections one tenant's transactions hold at once. */
    'connections.tenant': {
      max: config.fairShare.tenantConnections, waitMs: 2_000,
      refusal: { code: 'RATE_LIMITED', message: 'This organisation has too many requests in progress; try again shortly' },
    },
    /** The pool itself: past the acquire timeout a request is refused rather than left to hang. */
    'connections.pool': {
      max: config.db.poolSize, waitMs: config.db.acquireTimeoutMs,
      refusal: { code: 'SERVICE_UNAVAILABLE', message: 'The database is busy; try again shortly' },
    },
  } satisfies Record<string, GatePolicy>;
}

export type GateName = keyof ReturnType<typeof gatePolicies>;

/** Limits counted per tenant (their subject is the tenant's id) are named `<what>.tenant`: offboarding drops their counters. */
export const isTenantLimit = (name: string): boolean => name.endsWith('.tenant');
