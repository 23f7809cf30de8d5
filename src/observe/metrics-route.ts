import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app-deps.js';

const matches = (given: string, expected: string): boolean => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * GET /metrics in Prometheus's text format, on the internal port only; with METRICS_TOKEN set it
 * also needs `Authorization: Bearer <token>` (for when the internal port is reachable by more
 * than the scraper).
 */
export function registerMetrics(app: FastifyInstance, deps: AppDeps): void {
  const token = deps.config.observe.metricsToken;
  app.get('/metrics', async (req, reply) => {
    if (token && !matches(req.headers.authorization ?? '', `Bearer ${token}`)) {
      return reply.status(401).header('www-authenticate', 'Bearer').send({ error: 'a valid metrics token is required' });
    }
    const { metrics } = deps.observe;
    return reply.header('content-type', metrics.contentType).send(await metrics.scrape());
  });
}
