// Types only: erased at compile time, so nothing of OpenTelemetry loads unless tracing starts.
import type { Attributes, Span, Tracer } from '@opentelemetry/api';
import type { Logger } from '../logger.js';
import type { RequestTrace } from '../tenancy/request-trace.js';
import { operationLabel } from './operation.js';

export type TracingOptions = { endpoint: string; serviceName: string };

// Set while tracing runs (OTEL_EXPORTER_OTLP_ENDPOINT); process-wide, as OpenTelemetry's own registration is.
let tracer: Tracer | undefined;
let markError: ((span: Span, err: unknown) => void) | undefined;

/** Runs `fn` in a child span of the current one when tracing is on; otherwise only calls it. */
export function inSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  if (!tracer) return fn();
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn();
    } catch (err) {
      markError?.(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * The request's span, around the protocol layer's whole handling of it: its trace id goes to the
 * request's log line; tenant, operation and outcome are set from the trace when it ends.
 */
export function traceRequest<T>(trace: RequestTrace, fn: () => Promise<T>): Promise<T> {
  if (!tracer) return fn();
  return tracer.startActiveSpan('graphql request', async (span) => {
    trace.traceId = span.spanContext().traceId;
    try {
      return await fn();
    } finally {
      const operation = operationLabel(trace);
      span.updateName(`graphql ${operation}`);
      span.setAttributes({
        'anthias.operation': operation,
        'graphql.operation.name': trace.operationName ?? '',
        'anthias.tenant_id': trace.tenantId ?? '',
        'anthias.principal': trace.principal ?? '',
        'anthias.outcome': trace.errorCodes.join(',') || 'ok',
        'anthias.sql_statements': trace.statements,
      });
      if (trace.errorCodes.length) markError?.(span, trace.errorCodes.join(','));
      span.end();
    }
  });
}

/**
 * Starts exporting spans over OTLP/HTTP (JSON) and puts a span around every SQL statement:
 * drizzle runs each one through PgPreparedQuery.queryWithCache, on both engines. The span
 * carries the statement's text, never its parameters. Returns the function that flushes and stops.
 */
export async function startTracing(options: TracingOptions, log: Logger): Promise<() => Promise<void>> {
  const [api, { NodeSDK }, { OTLPTraceExporter }, { PgPreparedQuery }] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('drizzle-orm/pg-core'),
  ]);
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    traceExporter: new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/$/, '')}/v1/traces` }),
    instrumentations: [],
  });
  sdk.start();
  tracer = api.trace.getTracer('anthias-gateway');
  markError = (span, err) =>
    span.setStatus({ code: api.SpanStatusCode.ERROR, message: typeof err === 'string' ? err : ((err as { code?: string }).code ?? 'error') });
  traceStatements(PgPreparedQuery.prototype as unknown as StatementRunner);
  return async () => {
    tracer = undefined;
    // The last batch may not reach a collector that is down: lost spans never fail a shutdown.
    await sdk.shutdown().catch((err: unknown) => log.warn({ err }, 'tracing: could not export the last spans'));
    // Unregisters the global provider, so tracing can start again in this process (tests do).
    api.trace.disable();
    api.context.disable();
    api.propagation.disable();
  };
}

type StatementRunner = { queryWithCache(this: unknown, query: string, params: unknown[], run: () => Promise<unknown>): Promise<unknown> };
const TRACED = Symbol('anthias traced');

function traceStatements(proto: StatementRunner & { [TRACED]?: true }): void {
  if (proto[TRACED]) return;
  proto[TRACED] = true;
  const original = proto.queryWithCache;
  proto.queryWithCache = function (query, params, run) {
    const verb = /^\s*(\w+)/.exec(query)?.[1]?.toLowerCase() ?? 'statement';
    return inSpan(`sql ${verb}`, { 'db.system.name': 'postgresql', 'db.query.text': query }, () => original.call(this, query, params, run));
  };
}
