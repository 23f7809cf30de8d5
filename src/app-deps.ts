import type { LoginThrottle } from './auth/login-throttle.js';
import type { Limiter } from './limits/limiter.js';
import type { Gates } from './limits/concurrency.js';
import type { GateName, LimitName } from './limits/policies.js';
import type { Sessions } from './auth/sessions.js';
import type { InvalidationBus } from './cache/invalidation-bus.js';
import type { KeyValueStore } from './cache/kv-store.js';
import type { Config } from './config.js';
import type { DatabaseHandle } from './db/client.js';
import type { Logger } from './logger.js';
import type { Mailer } from './mail/mailer.js';
import type { DnsResolver } from './modules/domains/dns.js';
import type { Outbox } from './outbox/outbox.js';
import type { Observer } from './observe/observer.js';
import type { Manifest } from './persisted/manifest.js';
import type { TenantDirectory } from './tenancy/tenant-directory.js';

/** Long-lived dependencies, made once at start by the composition root (src/app.ts). */
export type AppDeps = {
  config: Config;
  database: DatabaseHandle;
  store: KeyValueStore;
  /** In-process caches that every instance drops together. */
  bus: InvalidationBus;
  directory: TenantDirectory;
  sessions: Sessions;
  /** Every rate limit, counted by one limiter (src/limits/policies.ts). */
  limiter: Limiter<LimitName>;
  /** Fair-share caps on what one tenant holds at once (src/limits/policies.ts). */
  gates: Gates<GateName>;
  loginThrottle: LoginThrottle;
  /** Trusted documents (hash → text), loaded once at start. */
  manifest: Manifest;
  mailer: Mailer;
  /** Carries out what committed changes require outside the database. */
  outbox: Outbox;
  dns: DnsResolver;
  log: Logger;
  /** Metrics, error reports and traces (src/observe). */
  observe: Observer;
};
