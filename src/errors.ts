import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { DrizzleQueryError } from 'drizzle-orm';

/** The closed set of codes clients may see (DESIGN.md, "Contract"). */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'TENANT_NOT_FOUND',
  'TENANT_SUSPENDED',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'QUOTA_EXCEEDED',
  'RATE_LIMITED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_ALLOWED',
  'QUERY_TOO_COMPLEX',
  // A signed-in account whose address is not verified yet may only verify it or ask for a new mail.
  'EMAIL_NOT_VERIFIED',
  // Sign-in: the password was right and the account has a second factor; send its code.
  'SECOND_FACTOR_REQUIRED',
  // The organisation requires a second factor and the member has none: enrol first.
  'SECOND_FACTOR_ENROLMENT_REQUIRED',
  // A dependency (database, key-value store) is down: nothing was written; retry later.
  'SERVICE_UNAVAILABLE',
  // The commit was sent and its answer lost: the change may or may not be in. Check, or retry
  // with the same Idempotency-Key, rather than retrying blindly.
  'OUTCOME_UNKNOWN',
  'INTERNAL_SERVER_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  EMAIL_NOT_VERIFIED: 403,
  SECOND_FACTOR_ENROLMENT_REQUIRED: 403,
  TENANT_NOT_FOUND: 404,
  TENANT_SUSPENDED: 403,
  RATE_LIMITED: 429,
  BAD_USER_INPUT: 400,
  QUERY_TOO_COMPLEX: 400,
  SERVICE_UNAVAILABLE: 503,
  OUTCOME_UNKNOWN: 500,
};

/** A deliberate, client-facing error. Anything else is masked in production. */
export class AppError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
  }

  /** For errors that fail the whole request (tenant resolution, authentication). */
  static request(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): AppError {
    return new AppError(code, message, { ...extensions, http: { status: HTTP_STATUS[code] ?? 400 } });
  }
}

/** A dependency refused or did not answer (thrown by the key-value store when it is unavailable). */
export class DependencyUnavailableError extends Error {
  constructor(
    readonly dependency: 'database' | 'store',
    options?: { cause?: unknown },
  ) {
    super(`the ${dependency === 'store' ? 'key-value store' : 'database'} is unavailable`, options);
  }
}

// Driver and server codes that mean "the database is not there", as opposed to "the query is wrong".
const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND',
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT',
  '57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006',
  // statement_timeout or idle_in_transaction_session_timeout (fair share) cut the request short
  '57014', '25P03',
]);

/** The dependency an error says is down (following wrapped causes), if any. */
export function unavailableDependency(err: unknown): 'database' | 'store' | null {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown; originalError?: unknown }).cause ?? (e as { originalError?: unknown }).originalError, depth++) {
    if (e instanceof DependencyUnavailableError) return e.dependency;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return 'database';
  }
  return null;
}

/** SERVICE_UNAVAILABLE (503) for an error that means a dependency is down; null otherwise. */
export function asUnavailable(err: unknown): AppError | null {
  const dependency = unavailableDependency(err);
  if (!dependency) return null;
  const what = dependency === 'store' ? 'The key-value store' : 'The database';
  return AppError.request('SERVICE_UNAVAILABLE', `${what} is unavailable or did not answer in time; nothing was changed. Try again shortly.`);
}

export const badInput = (field: string, message: string): AppError =>
  new AppError('BAD_USER_INPUT', `${field}: ${message}`, { field });
export const notFound = (what: string): AppError => new AppError('NOT_FOUND', `${what} not found`);
export const forbidden = (message = 'Not allowed'): AppError => new AppError('FORBIDDEN', message);

const KNOWN = new Set<string>(ERROR_CODES);
// Apollo's own request-level codes, folded into the contract's set.
const APOLLO_CODES: Record<string, ErrorCode> = {
  GRAPHQL_PARSE_FAILED: 'BAD_USER_INPUT',
  GRAPHQL_VALIDATION_FAILED: 'BAD_USER_INPUT',
  BAD_REQUEST: 'BAD_USER_INPUT',
  OPERATION_RESOLUTION_FAILURE: 'BAD_USER_INPUT',
};
// graphql-js reports its token limit as a syntax error; it is a complexity refusal.
const TOKEN_LIMIT = /Document contains more th(?:an|at) \d+ tokens/;

/**
 * The contract code of any error, as clients will see it: one mapper for responses and logs.
 * `fallback` is the code of an uncoded error (INTERNAL_SERVER_ERROR unless the caller knows better).
 */
export function clientCode(error: unknown, fallback: ErrorCode = 'INTERNAL_SERVER_ERROR'): ErrorCode {
  const e = error as { message?: unknown; extensions?: Record<string, unknown> } | null;
  const code = String(e?.extensions?.code ?? '');
  if (e?.extensions?.complexity || (typeof e?.message === 'string' && TOKEN_LIMIT.test(e.message))) return 'QUERY_TOO_COMPLEX';
  if (KNOWN.has(code)) return code as ErrorCode;
  return APOLLO_CODES[code] ?? fallback;
}

/** Codes every error, and hides what an internal one says in production (the request scope adds the request's id). */
export function createFormatError(isProduction: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = clientCode(formatted);
    const { stacktrace: _stack, complexity: _complexity, ...rest } = formatted.extensions ?? {};
    const ext = { ...rest, code };
    if (code !== 'INTERNAL_SERVER_ERROR') return { ...formatted, extensions: ext };
    const original = unwrapResolverError(error);
    if (!isProduction) {
      // The database's own words help in development; drizzle's wrapper would add the statement and its parameters.
      const shown = original instanceof DrizzleQueryError ? (original.cause ?? new Error('a database statement failed')) : original;
      return { ...formatted, extensions: ext, message: shown instanceof Error ? shown.message : formatted.message };
    }
    return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code } };
  };
}
