import type { FastifyInstance } from 'fastify';
import type { AppDeps } from './app-deps.js';
import { LoginThrottle } from './auth/login-throttle.js';
import { Sessions } from './auth/sessions.js';
import { createStore } from './cache/index.js';
import { InvalidationBus } from './cache/invalidation-bus.js';
import type { Config } from './config.js';
import { openDatabase } from './db/client.js';
import { buildGatewaySchema } from './graphql/schema.js';
import { buildHttpServer } from './http/server.js';
import type { Logger } from './logger.js';
import { createMailer, type Mailer } from './mail/mailer.js';
import { type DnsResolver, systemDns } from './modules/domains/dns.js';
import { loadManifest } from './persisted/manifest.js';
import { TenantDirectory } from './tenancy/tenant-directory.js';

export type App = { deps: AppDeps; http: FastifyInstance; close(): Promise<void> };

/** The outside world, replaceable by tests (DESIGN: fake only what is outside). */
export type Outside = { mailer?: Mailer; dns?: DnsResolver };

/** The composition root: every long-lived dependency is made here, once. */
export async function createApp(config: Config, log: Logger, outside: Outside = {}): Promise<App> {
  const database = await openDatabase({ url: config.db.url, ...config.db });
  const store = createStore(config.redis, log);
  const bus = new InvalidationBus(store, log);
  await bus.start();
  const directory = new TenantDirectory(database.db, store, bus, config.tenantCacheTtlSeconds);
  const deps: AppDeps = {
    config,
    database,
    store,
    bus,
    directory,
    sessions: new Sessions(store, bus, config.sessionTtlSeconds),
    loginThrottle: new LoginThrottle(store, config.loginFailures),
    manifest: loadManifest(),
    mailer: outside.mailer ?? createMailer(config.mail, log),
    dns: outside.dns ?? systemDns,
    log,
  };
  const http = await buildHttpServer(deps, await buildGatewaySchema());
  return {
    deps,
    http,
    async close() {
      await http.close();
      await bus.stop();
      await store.close();
      await database.close();
    },
  };
}
