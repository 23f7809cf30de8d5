import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';

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
  'INTERNAL_SERVER_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  TENANT_NOT_FOUND: 404,
  TENANT_SUSPENDED: 403,
  RATE_LIMITED: 429,
  BAD_USER_INPUT: 400,
  QUERY_TOO_COMPLEX: 400,
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

export function createFormatError(isProduction: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = String(formatted.extensions?.code ?? '');
    const ext = { ...formatted.extensions };
    delete ext.stacktrace;
    if (ext.complexity || TOKEN_LIMIT.test(formatted.message)) {
      delete ext.complexity;
      return { ...formatted, extensions: { ...ext, code: 'QUERY_TOO_COMPLEX' } };
    }
    if (KNOWN.has(code) && code !== 'INTERNAL_SERVER_ERROR') {
      return isProduction ? { ...formatted, extensions: ext } : formatted;
    }
    const mapped = APOLLO_CODES[code];
    if (mapped) return { ...formatted, extensions: { ...ext, code: mapped } };
    const original = unwrapResolverError(error);
    if (!isProduction) {
      return {
        ...formatted,
        extensions: { ...formatted.extensions, code: 'INTERNAL_SERVER_ERROR' },
        message: original instanceof Error ? original.message : formatted.message,
      };
    }
    return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}
