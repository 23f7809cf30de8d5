import { request as httpRequest } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { buildGatewaySchema } from '../../src/graphql/schema.js';
import { buildHttpServer } from '../../src/http/server.js';
import { type Harness, startHarness } from '../support/harness.js';

export type Answer = { status: number; body: unknown; statements: number };

/**
 * The real gateway (compiled execution, the default) and a second HTTP server on the same
 * dependencies (database, store, caches) that runs graphql-js's interpreter: the same request
 * can go through both paths against the same data.
 */
export type TwoPaths = {
  h: Harness;
  compiled: (body: unknown, headers?: Record<string, string>) => Promise<Answer>;
  plain: (body: unknown, headers?: Record<string, string>) => Promise<Answer>;
  close(): Promise<void>;
};

function poster(url: string) {
  return (body: unknown, headers: Record<string, string> = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const timing = /dur=(\d+)/.exec(String(res.headers['server-timing'] ?? ''))?.[1];
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown, statements: Number(timing ?? NaN) });
        });
      });
      req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
}

export async function startTwoPaths(): Promise<TwoPaths> {
  const h = await startHarness();
  if (h.app.deps.config.graphqlExecution !== 'compiled') throw new Error('the gateway should execute compiled by default');
  const deps = { ...h.app.deps, config: { ...h.app.deps.config, graphqlExecution: 'graphql-js' as const } };
  const server: FastifyInstance = await buildHttpServer(deps, await buildGatewaySchema());
  await server.listen({ port: 0, host: '127.0.0.1' });
  const address = server.server.address();
  const plainUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/graphql`;
  return {
    h,
    compiled: poster(h.url),
    plain: poster(plainUrl),
    async close() {
      await server.close();
      await h.close();
    },
  };
}
