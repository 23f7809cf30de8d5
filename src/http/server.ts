import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { GraphQLError, type GraphQLSchema, type ValidationContext } from 'graphql';
import type { AppDeps } from '../app-deps.js';
import { createFormatError } from '../errors.js';
import { jsonStatusPlugin } from '../graphql/json-status.js';
import { Executor } from '../graphql/compiled-execution.js';
import { publicMutationsAlone } from '../graphql/public-mutations.js';
import { scopedExecution } from '../graphql/scoped-executor.js';
import type { RequestContext } from '../tenancy/context.js';
import { logRequest } from '../tenancy/request-scope.js';
import { registerGraphqlRoute } from './graphql-route.js';
import { registerHealth } from './health.js';
import { registerQrRedirect } from './qr-redirect.js';
import { registerSecurityHeaders } from './security-headers.js';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** TRUST_PROXY as a hop count: the nearest `n` senders are proxies. */
const hops = (n: number) => (_address: string, hop: number) => hop < n;

/** Depth and alias limits report QUERY_TOO_COMPLEX instead of a generic validation failure. */
const tooComplex = (ctx: ValidationContext | null, error: GraphQLError) =>
  ctx?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { extensions: { complexity: true } }));

export async function buildHttpServer(deps: AppDeps, schema: GraphQLSchema): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    logger: false,
    bodyLimit: config.http.bodyLimit,
    trustProxy: typeof config.http.trustProxy === 'number' ? hops(config.http.trustProxy) : config.http.trustProxy,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  registerSecurityHeaders(app, config.http);
  // GraphQL over HTTP speaks JSON; anything else is 415 rather than a string body for Apollo.
  app.removeContentTypeParser('text/plain');

  const apollo = new ApolloServer<RequestContext>({
    gateway: scopedExecution(schema, new Executor(schema, config.graphqlExecution, deps.manifest)),
    introspection: config.http.sandbox,
    // "Did you mean …?" would describe the schema to anyone, introspection off or not.
    hideSchemaDetailsFromClientErrors: config.isProduction,
    allowBatchedHttpRequests: false,
    // main.ts owns shutdown; Apollo's own signal handlers made a second stop() that never returned.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    formatError: createFormatError(config.isProduction),
    parseOptions: { maxTokens: config.limits.maxTokens },
    // Automatic persisted queries are resolved and bounded before Apollo (src/persisted/documents.ts).
    persistedQueries: false,
    validationRules: [
      maxDepthRule({ n: config.limits.maxDepth, propagateOnRejection: false, onReject: [tooComplex] }),
      maxAliasesRule({ n: config.limits.maxAliases, propagateOnRejection: false, onReject: [tooComplex] }),
      publicMutationsAlone,
    ],
    // No cookie or other ambient credential is ever read (credentials come only in the
    // Authorization header, which a cross-site form or image cannot send), so there is no CSRF to
    // prevent, and plain GET queries (GraphQL over HTTP) work without a preflight header.
    csrfPrevention: false,
    plugins: [
      jsonStatusPlugin,
      // Cache hints would hook every field of every response; nothing here uses them.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      config.http.sandbox
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  app.addHook('onResponse', async (req, reply) => {
    const response = { method: req.method, path: req.url.split('?')[0]!, status: reply.statusCode, durationMs: reply.elapsedTime };
    if (req.scope) req.scope.end(response);
    else logRequest(deps.log, req.id, response);
  });
  registerGraphqlRoute(app, deps, apollo);

  registerHealth(app, deps);
  registerQrRedirect(app, deps);

  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({ errors: [{ message: 'Not found', extensions: { code: 'NOT_FOUND', requestId: req.id } }] }),
  );
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) {
      const trace = req.scope?.trace;
      deps.observe.failed(err, { requestId: req.id, tenantId: trace?.tenantId ?? null, plan: null, principal: trace?.principal ?? null, userId: null, operation: trace?.operationName ?? null, traceId: trace?.traceId });
    }
    const code = status === 500 ? 'INTERNAL_SERVER_ERROR' : status === 429 ? 'RATE_LIMITED' : 'BAD_USER_INPUT';
    const message = status === 500 ? 'Internal server error' : err.message;
    if (req.scope) req.scope.trace.errorCodes = [code];
    return reply.status(status).send({ errors: [{ message, extensions: { code, requestId: req.id } }] });
  });

  drainOnClose(app);
  // Fastify's close drains connections; Apollo stops after it (its drain plugin would close Fastify again).
  app.addHook('onClose', async () => apollo.stop());
  return app;
}

/**
 * On close, keep-alive clients must not hold the process: responses then carry
 * `Connection: close`, and connections are closed as soon as they are idle (the server's own
 * close only closes those idle at that instant; the rest would wait for the client or the
 * keep-alive timeout). Requests in flight finish; new ones get 503.
 */
function drainOnClose(app: FastifyInstance): void {
  let draining: NodeJS.Timeout | undefined;
  app.addHook('onSend', async (_req, reply) => {
    if (draining) void reply.header('connection', 'close');
  });
  app.addHook('preClose', async () => {
    draining = setInterval(() => app.server.closeIdleConnections(), 50);
    app.server.closeIdleConnections();
  });
  app.addHook('onClose', async () => clearInterval(draining));
}
