import Fastify, { type FastifyInstance } from 'fastify';
import type { AppDeps } from '../app-deps.js';
import { registerMetrics } from '../observe/metrics-route.js';
import { registerTlsAsk } from './tls-ask.js';

/** Endpoints for the operator's own infrastructure (the TLS proxy, monitoring), one line each. */
const ROUTES: ((app: FastifyInstance, deps: AppDeps) => void)[] = [registerTlsAsk, registerMetrics];

/**
 * A second listener on INTERNAL_HOST:INTERNAL_PORT for what must never be published: nothing on
 * it carries a tenant's data, and nothing on the public port reaches it.
 */
export function buildInternalServer(deps: AppDeps): FastifyInstance {
  const app = Fastify({ logger: false });
  for (const register of ROUTES) register(app, deps);
  app.setNotFoundHandler((_req, reply) => reply.status(404).send({ error: 'not found' }));
  app.setErrorHandler((err, req, reply) => {
    deps.log.error({ err, url: req.url }, 'internal endpoint failed');
    return reply.status(500).send({ error: 'internal error' });
  });
  return app;
}
