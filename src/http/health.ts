import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app-deps.js';

const within = <T>(ms: number, work: Promise<T>): Promise<T> =>
  Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref())]);

/**
 * /healthz: the process answers. /readyz: the database answers (503 otherwise: this instance
 * cannot serve). Without the key-value store it still serves, degraded, so it stays ready
 * (taking every instance out of a load balancer at once would turn a degradation into an outage).
 */
export function registerHealth(app: FastifyInstance, deps: AppDeps): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const check = async (work: () => Promise<unknown>) => {
      try {
        await within(2_000, work());
        return 'ok';
      } catch (err) {
        deps.log.warn({ err }, 'readiness check failed');
        return 'unavailable';
      }
    };
    const [database, cache] = await Promise.all([
      check(() => deps.database.db.execute(sql`select 1`)),
      check(() => deps.store.ping()),
    ]);
    const status = database !== 'ok' ? 'unavailable' : cache !== 'ok' ? 'degraded' : 'ok';
    return reply.status(status === 'unavailable' ? 503 : 200).send({ status, database, cache });
  });
}
