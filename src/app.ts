import type { FastifyInstance } from 'fastify';
import type { AppDeps } from './app-deps.js';
import { LoginThrottle } from './auth/login-throttle.js';
import { Sessions } from './auth/sessions.js';
import { createStore } from './cache/index.js';
import { InvalidationBus } from './cache/invalidation-bus.js';
import type { Config } from './config.js';
import { openDatabase } from './db/client.js';
import { assertDatabaseUsable } from './db/problems.js';
import { buildGatewaySchema } from './graphql/schema.js';
import { buildInternalServer } from './http/internal-server.js';
import { buildHttpServer } from './http/server.js';
import type { Logger } from './logger.js';
import { createMailer, type Mailer } from './mail/mailer.js';
import { type DnsResolver, systemDns } from './modules/domains/dns.js';
import { markPlaylistsStale } from './modules/devices/playlist-cache.js';
import { purgeTenant } from './operations/offboarding/purge.js';
import { Observer } from './observe/observer.js';
import { Outbox } from './outbox/outbox.js';
import { loadManifest } from './persisted/manifest.js';
import { Limiter } from './limits/limiter.js';
import { Gates } from './limits/concurrency.js';
import { gatePolicies, limitPolicies } from './limits/policies.js';
import { pruneIdempotencyKeys } from './tenancy/idempotency.js';
import { TenantDirectory } from './tenancy/tenant-directory.js';

/** `http` is the public gateway; `internal` serves the operator's proxy and monitoring only. */
export type App = { deps: AppDeps; http: FastifyInstance; internal: FastifyInstance; close(): Promise<void> };

/** The outside world, replaceable by tests (DESIGN: fake only what is outside). */
export type Outside = { mailer?: Mailer; dns?: DnsResolver };

/** The composition root: every long-lived dependency is made here, once. */
export async function createApp(config: Config, log: Logger, outside: Outside = {}): Promise<App> {
  const database = await openDatabase({ url: config.db.url, ...config.db });
  await assertDatabaseUsable(database).catch(async (err: unknown) => {
    await database.close();
    throw err;
  });
  const store = await createStore(config.redis, log);
  const bus = new InvalidationBus(database.db, log);
  await bus.start(database);
  const directory = new TenantDirectory(database.db, bus, config.tenantCacheTtlSeconds);
  const mailer = outside.mailer ?? createMailer(config.mail, log);
  const limiter = new Limiter(limitPolicies(config), store, log);
  const sessions = new Sessions(database.db, bus, config.sessionTtlSeconds);
  const outbox = new Outbox(
    database.db,
    {
      'playlists.stale': ({ tenantId }) => markPlaylistsStale(store, tenantId),
      'mail.send': (mail) => mailer.send(mail),
      'tenant.purge': (purge) => purgeTenant({ store, sessions, limiter }, purge),
    },
    log,
  );
  outbox.start();
  // Expired idempotency records, hourly; a missed run only leaves rows a little longer.
  const janitor = setInterval(() => void pruneIdempotencyKeys(database.db).catch((err: unknown) => log.warn({ err }, 'could not prune idempotency keys')), 3_600_000);
  janitor.unref();
  const gates = new Gates(gatePolicies(config));
  const observe = await Observer.start(config, log, { gates, limiter, bus, store, poolSize: config.db.poolSize });
  const deps: AppDeps = {
    config,
    database,
    store,
    bus,
    directory,
    sessions,
    limiter,
    gates,
    loginThrottle: new LoginThrottle(limiter),
    manifest: loadManifest(),
    mailer,
    outbox,
    dns: outside.dns ?? systemDns,
    log,
    observe,
  };
  const http = await buildHttpServer(deps, await buildGatewaySchema());
  const internal = buildInternalServer(deps);
  return {
    deps,
    http,
    internal,
    async close() {
      await http.close();
      clearInterval(janitor);
      await internal.close();
      await outbox.stop();
      limiter.stop();
      await bus.stop();
      await store.close();
      await database.close();
      await observe.close();
    },
  };
}
