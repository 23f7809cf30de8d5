import { unwrapResolverError } from '@apollo/server/errors';
import { DrizzleQueryError } from 'drizzle-orm';
import type { Logger } from '../logger.js';

/**
 * Who and what a failed request was: what an operator needs to find it, and nothing the request
 * carried (no variables, tokens or emails; the user by id only).
 */
export type FailureScope = {
  requestId: string;
  tenantId: string | null;
  plan: string | null;
  principal: string | null;
  userId: string | null;
  operation: string | null;
  traceId?: string;
};

/** Where failures go besides the log (Sentry, when SENTRY_DSN is set). */
export type ErrorSink = { capture(error: Error, scope: FailureScope): void; close(): Promise<void> };

const MAX_CAUSES = 5;
const FRAME = /^\s+at /;

/** drizzle's query errors carry the statement's parameters (a request's variables, emails, hashes) in their message. */
const messageOf = (e: unknown): string => (e instanceof DrizzleQueryError ? `Failed query: ${e.query}` : e instanceof Error ? e.message : String(e));

/**
 * The error as it may be reported: its message and its causes' (a query's without parameters),
 * its stack frames, and the database's error code; nothing else of it (no enumerable fields,
 * which may hold anything).
 */
export function reportable(err: unknown): Error {
  const top = unwrapResolverError(err);
  const messages = [messageOf(top)];
  let code: string | undefined;
  for (let e: unknown = top, depth = 0; e && depth < MAX_CAUSES; e = (e as { cause?: unknown }).cause, depth++) {
    if (e !== top) messages.push(messageOf(e));
    const c = (e as { code?: unknown }).code;
    if (typeof c === 'string') code ??= c;
  }
  const safe = new Error(messages.join(': caused by: '));
  safe.name = top instanceof Error ? top.constructor.name : 'NonError';
  const frames = top instanceof Error ? (top.stack ?? '').split('\n').filter((line) => FRAME.test(line)) : [];
  safe.stack = [`${safe.name}: ${safe.message}`, ...frames].join('\n');
  if (code) Object.assign(safe, { code });
  return safe;
}

/**
 * Every error masked for the client as INTERNAL_SERVER_ERROR passes here once: one log line with
 * its stack and the request's identity, and the sink (Sentry) when configured.
 */
export class ErrorReporter {
  constructor(
    private readonly log: Logger,
    private readonly sink?: ErrorSink,
  ) {}

  report(err: unknown, scope: FailureScope): void {
    const error = reportable(err);
    this.log.error(
      {
        err: error,
        request_id: scope.requestId,
        tenant_id: scope.tenantId,
        principal: scope.principal,
        user_id: scope.userId,
        operation: scope.operation,
        ...(scope.traceId ? { trace_id: scope.traceId } : {}),
      },
      'request failed with an internal error',
    );
    try {
      this.sink?.capture(error, scope);
    } catch (sinkError) {
      this.log.warn({ err: sinkError }, 'could not send the error to the error tracker');
    }
  }

  close(): Promise<void> {
    return this.sink?.close() ?? Promise.resolve();
  }
}
