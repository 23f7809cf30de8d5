import type { LoginThrottle } from './auth/login-throttle.js';
import type { Sessions } from './auth/sessions.js';
import type { InvalidationBus } from './cache/invalidation-bus.js';
import type { KeyValueStore } from './cache/kv-store.js';
import type { Config } from './config.js';
import type { DatabaseHandle } from './db/client.js';
import type { Logger } from './logger.js';
import type { Mailer } from './mail/mailer.js';
import type { DnsResolver } from './modules/domains/dns.js';
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
  loginThrottle: LoginThrottle;
  /** Trusted documents (hash → text), loaded once at start. */
  manifest: Manifest;
  mailer: Mailer;
  dns: DnsResolver;
  log: Logger;
};
