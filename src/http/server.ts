import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { GraphQLError, type GraphQLSchema, type ValidationContext } from 'graphql';
import type { AppDeps } from '../app-deps.js';
import { statementCounter } from '../db/statement-counter.js';
import { createFormatError } from '../errors.js';
import { apqCache } from '../persisted/apq-cache.js';
import { resolveTrustedDocument } from '../persisted/trusted-documents.js';
import type { Context } from '../graphql/context.js';
import { lifecyclePlugin } from '../graphql/lifecycle-plugin.js';
import { buildContext } from '../tenancy/build-context.js';
import { registerHealth } from './health.js';
import { registerQrRedirect } from './qr-redirect.js';
import { newTrace } from './request-trace.js';
import { registerSecurityHeaders } from './security-headers.js';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Depth and alias limits report QUERY_TOO_COMPLEX instead of a generic validation failure. */
const tooComplex = (ctx: ValidationContext | null, error: GraphQLError) =>
  ctx?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { extensions: { complexity: true } }));

export async function buildHttpServer(deps: AppDeps, schema: GraphQLSchema): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    logger: false,
    bodyLimit: config.http.bodyLimit,
    trustProxy: true,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  await registerSecurityHeaders(app);
  // GraphQL over HTTP speaks JSON; anything else is 415 rather than a string body for Apollo.
  app.removeContentTypeParser('text/plain');

  const apollo = new ApolloServer<Context>({
    schema,
    introspection: config.http.sandbox,
    allowBatchedHttpRequests: false,
    // main.ts owns shutdown; Apollo's own signal handlers made a second stop() that never returned.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    formatError: createFormatError(config.isProduction),
    parseOptions: { maxTokens: config.limits.maxTokens },
    persistedQueries: { cache: apqCache(deps.store), ttl: 7 * 24 * 3600 },
    validationRules: [
      maxDepthRule({ n: config.limits.maxDepth, propagateOnRejection: false, onReject: [tooComplex] }),
      maxAliasesRule({ n: config.limits.maxAliases, propagateOnRejection: false, onReject: [tooComplex] }),
    ],
    plugins: [
      lifecyclePlugin,
      // Cache hints would hook every field of every response; nothing here uses them.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      config.http.sandbox
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  app.decorateRequest('trace');
  app.addHook('onRequest', async (req, reply) => {
    req.trace = newTrace();
    reply.header('x-request-id', req.id);
  });
  app.addHook('onResponse', async (req, reply) => {
    const t = req.trace;
    deps.log.info(
      {
        request_id: req.id,
        operation: t.operationName,
        tenant_id: t.tenantId,
        principal: t.principal,
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime * 10) / 10,
        sql_statements: t.statements,
        outcome: t.errorCodes.length ? t.errorCodes.join(',') : reply.statusCode < 400 ? 'ok' : 'failed',
      },
      `${req.method} ${req.url.split('?')[0]}`,
    );
  });

  const graphql = fastifyApolloHandler(apollo, { context: (req) => buildContext(deps, req) });
  app.route<{ Reply: string }>({
    method: ['GET', 'POST'],
    url: '/graphql',
    preHandler: async (req) => {
      req.trace.document = resolveTrustedDocument(req, deps.manifest);
    },
    handler(req, reply) {
      return statementCounter.run(async () => {
        try {
          return await graphql.call(this, req, reply);
        } finally {
          await req.trace.transaction?.finish(false);
          req.trace.statements = statementCounter.current();
          if (config.http.serverTiming) reply.header('server-timing', `sql;desc="statements";dur=${req.trace.statements}`);
        }
      });
    },
  });

  registerHealth(app, deps);
  registerQrRedirect(app, deps);

  app.setNotFoundHandler((_req, reply) =>
    reply.status(404).send({ errors: [{ message: 'Not found', extensions: { code: 'NOT_FOUND' } }] }),
  );
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) deps.log.error({ err, request_id: req.id }, 'unhandled error');
    const code = status === 500 ? 'INTERNAL_SERVER_ERROR' : status === 429 ? 'RATE_LIMITED' : 'BAD_USER_INPUT';
    const message = status === 500 ? 'Internal server error' : err.message;
    req.trace.errorCodes = [code];
    return reply.status(status).send({ errors: [{ message, extensions: { code } }] });
  });

  // Fastify's close drains connections; Apollo stops after it (its drain plugin would close Fastify again).
  app.addHook('onClose', async () => apollo.stop());
  return app;
}
