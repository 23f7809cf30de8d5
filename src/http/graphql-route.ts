import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import { type ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../app-deps.js';
import { resolveDocument } from '../persisted/documents.js';
import type { RequestContext } from '../tenancy/context.js';
import { RequestScope } from '../tenancy/request-scope.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on /graphql requests; writes the request's log line when the response is sent. */
    scope?: RequestScope;
  }
}

/**
 * The client's address: what trusted proxies report (TRUST_PROXY), else the connection's. A
 * forwarded value that is not an address is ignored, never stored.
 */
export const clientAddress = (req: FastifyRequest): string => (isIP(req.ip) ? req.ip : (req.socket.remoteAddress ?? '0.0.0.0'));

const header = (req: FastifyRequest, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

function toGraphQLRequest(req: FastifyRequest): HTTPGraphQLRequest {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const q = req.url.indexOf('?');
  return { method: req.method.toUpperCase(), headers, search: q === -1 ? '' : req.url.slice(q), body: req.body };
}

/** /graphql (POST, and GET for queries): the HTTP side of the request scope, with Apollo in between. */
export function registerGraphqlRoute(app: FastifyInstance, deps: AppDeps, apollo: ApolloServer<RequestContext>): void {
  app.decorateRequest('scope', undefined);
  app.route({
    method: ['GET', 'POST'],
    url: '/graphql',
    async handler(req, reply) {
      const { request, ...document } = await resolveDocument(toGraphQLRequest(req), deps.manifest, deps.store);
      const scope = new RequestScope(deps, {
        requestId: req.id,
        clientIp: clientAddress(req),
        userAgent: header(req, 'user-agent') ?? null,
        authorization: header(req, 'authorization'),
        host: header(req, 'host'),
        tenantHeader: header(req, 'x-tenant-id'),
        idempotencyKey: header(req, 'idempotency-key'),
        document,
      });
      req.scope = scope;
      const response = await scope.run(() => apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: request, context: () => scope.open() }));
      for (const [key, value] of response.headers) void reply.header(key, value);
      if (deps.config.http.serverTiming) void reply.header('server-timing', `sql;desc="statements";dur=${scope.trace.statements}`);
      const status = response.status ?? 200;
      void reply.code(status);
      if (response.body.kind === 'complete') return scope.responseBody(status, response.body.string);
      return reply.send(Readable.from(response.body.asyncIterator));
    },
  });
}
