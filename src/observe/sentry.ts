import type { ErrorSink, FailureScope } from './errors.js';

export type SentryOptions = { dsn: string; environment: string; release: string };

/**
 * Errors to Sentry through @sentry/node, loaded only when SENTRY_DSN is set. A client of its own
 * (no global hub, no automatic instrumentation or breadcrumbs): it sends exactly the events
 * reported here, tagged with tenant, plan, operation and request id, and the user by id only.
 */
export async function startSentry(options: SentryOptions): Promise<ErrorSink> {
  const Sentry = await import('@sentry/node');
  const client = new Sentry.NodeClient({
    dsn: options.dsn,
    environment: options.environment,
    release: options.release,
    transport: Sentry.makeNodeTransport,
    stackParser: Sentry.defaultStackParser,
    integrations: [],
    // Nothing but what capture() sets: no request data, breadcrumbs or extras, whatever a later SDK adds.
    beforeSend(event) {
      delete event.request;
      delete event.breadcrumbs;
      delete event.extra;
      return event;
    },
  });
  client.init();
  const base = new Sentry.Scope();
  base.setClient(client);
  return {
    capture(error: Error, scope: FailureScope) {
      const event = base.clone();
      event.setTags({
        request_id: scope.requestId,
        tenant_id: scope.tenantId ?? 'none',
        plan: scope.plan ?? 'none',
        operation: scope.operation ?? 'none',
        principal: scope.principal ?? 'none',
        ...(scope.traceId ? { trace_id: scope.traceId } : {}),
      });
      if (scope.userId) event.setUser({ id: scope.userId });
      event.captureException(error);
    },
    async close() {
      await client.close(2_000);
    },
  };
}
