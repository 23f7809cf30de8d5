import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app-deps.js';
import { AppError } from '../errors.js';
import { resolveTenant } from '../tenancy/resolve-tenant.js';

const HOST_NAME = /^[a-z0-9.-]{1,253}$/i;

/**
 * Caddy's on-demand TLS `ask`: GET /tls/ask?domain=<host> is 200 only for a host that routes to
 * an active tenant (a verified custom domain, or a tenant's subdomain of BASE_DOMAIN), by the
 * same rules and cache as request routing; 404 for anything else, so no certificate is issued.
 * Caddy asks on every handshake for a name it does not hold in memory.
 */
export function registerTlsAsk(app: FastifyInstance, deps: AppDeps): void {
  app.get<{ Querystring: { domain?: unknown } }>('/tls/ask', async (req, reply) => {
    const domain = req.query.domain;
    if (typeof domain !== 'string' || !HOST_NAME.test(domain)) {
      return reply.status(400).send({ allowed: false, reason: 'domain must be a host name' });
    }
    const tenant = await resolveTenant(deps.directory, deps.config.baseDomain, { host: domain }).catch((err: unknown) => {
      // Unknown subdomain or suspended tenant: a refusal, not a failure.
      if (err instanceof AppError) return null;
      throw err;
    });
    return reply.status(tenant ? 200 : 404).send({ allowed: Boolean(tenant) });
  });
}
