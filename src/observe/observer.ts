import { readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { RequestTrace } from '../tenancy/request-trace.js';
import { ErrorReporter, type FailureScope } from './errors.js';
import { Metrics, type MetricSources } from './metrics.js';
import { startSentry } from './sentry.js';
import { startTracing } from './tracing.js';

/**
 * What the gateway tells its operator besides the request log: metrics (always, served on the
 * internal port), errors (logged; to Sentry with SENTRY_DSN) and traces (with
 * OTEL_EXPORTER_OTLP_ENDPOINT). Sentry and OpenTelemetry are loaded only when configured.
 */
export class Observer {
  private constructor(
    readonly metrics: Metrics,
    private readonly errors: ErrorReporter,
    private readonly stopTracing?: () => Promise<void>,
  ) {}

  static async start(config: Config, log: Logger, sources: MetricSources): Promise<Observer> {
    const { sentry, tracing } = config.observe;
    const sink = sentry ? await startSentry({ ...sentry, release: sentry.release ?? defaultRelease() }) : undefined;
    const stopTracing = tracing ? await startTracing(tracing, log) : undefined;
    return new Observer(new Metrics(sources), new ErrorReporter(log, sink), stopTracing);
  }

  /** A GraphQL request's response was sent. */
  requestEnded(trace: RequestTrace, response: { status: number; durationMs: number }): void {
    this.metrics.request(trace, response);
  }

  /** An error the client sees only as INTERNAL_SERVER_ERROR. */
  failed(err: unknown, scope: FailureScope): void {
    this.errors.report(err, scope);
  }

  /** Sends what is still buffered (errors, spans). */
  async close(): Promise<void> {
    await Promise.all([this.errors.close(), this.stopTracing?.()]);
  }
}

function defaultRelease(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  return `${pkg.name}@${pkg.version}`;
}
