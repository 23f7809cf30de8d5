import { isIP } from 'node:net';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');
const int = (def: number, min = 1) => z.coerce.number().int().min(min).default(def);
/**
 * Who may tell us the client's address in X-Forwarded-For: a hop count, or proxy addresses and
 * CIDR ranges (also `loopback`, `linklocal`, `uniquelocal`). Unset: nobody, the connection's
 * address is the client's.
 */
const trustProxy = z.string().transform((value, ctx) => {
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((v) => v.trim()).filter(Boolean);
  const valid = (entry: string) => {
    if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
    const [address = '', bits, ...rest] = entry.split('/');
    const family = isIP(address);
    if (!family || rest.length) return false;
    return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
  };
  const bad = entries.filter((e) => !valid(e));
  if (!entries.length || bad.length) {
    ctx.addIssue({ code: 'custom', message: `must be a hop count or a list of proxy addresses/CIDR ranges (not ${bad.join(', ') || 'empty'})` });
    return z.NEVER;
  }
  return entries;
});

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  // Operators' endpoints (Caddy's TLS ask): never published, so loopback unless a proxy in
  // another container must reach it.
  INTERNAL_PORT: z.coerce.number().int().min(0).max(65535).default(4001),
  INTERNAL_HOST: z.string().min(1).default('127.0.0.1'),
  HSTS_PRELOAD: bool.default(false),
  TRUST_PROXY: trustProxy.optional(),
  DATABASE_URL: postgresUrl.optional(),
  MIGRATION_DATABASE_URL: postgresUrl.optional(),
  DATABASE_DIRECT_URL: postgresUrl.optional(),
  DB_POOL_SIZE: int(10),
  // Fair share: a pool connection is waited for this long at most; a statement runs at most this long.
  DB_ACQUIRE_TIMEOUT_MS: int(5_000),
  DB_STATEMENT_TIMEOUT_MS: int(10_000),
  // Per tenant and instance: requests served at once, and pool connections held at once.
  TENANT_MAX_REQUESTS_IN_FLIGHT: int(16),
  TENANT_MAX_CONNECTIONS: int(4),
  // Prepared statements break behind PgBouncer in transaction mode: set false there.
  DB_PREPARE: bool.default(true),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  REDIS_PREFIX: z.string().min(1).default('anthias:'),
  // Each call's bound; past it the call fails and, three in a row, the store counts as down.
  REDIS_TIMEOUT_MS: int(1_000, 50),
  BASE_DOMAIN: z
    .string()
    .regex(/^[a-z0-9.-]+$/, 'must be a lowercase host name')
    .default('localhost'),
  DATA_DIR: z.string().min(1).default('./.anthias'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT_BYTES: int(100_000),
  MAX_QUERY_TOKENS: int(5_000),
  MAX_QUERY_DEPTH: int(12),
  MAX_QUERY_ALIASES: int(30),
  ANONYMOUS_REQUESTS_PER_MINUTE: int(600),
  APQ_MAX_DOCUMENT_BYTES: int(16_384),
  // In-process only, dropped by announcements: the TTL bounds what a lost announcement could keep.
  TENANT_CACHE_TTL_SECONDS: int(30),
  SESSION_TTL_SECONDS: int(8 * 3600),
  LOGIN_FAILURES_PER_EMAIL: int(10),
  LOGIN_FAILURES_PER_ADDRESS: int(50),
  SANDBOX: bool.optional(),
  PUBLIC_URL: z.url().default('http://localhost:4000'),
  DEVICE_OFFLINE_AFTER_SECONDS: int(120),
  PAIRING_CODE_TTL_SECONDS: int(600),
  PERSISTED_QUERIES_ONLY: bool.default(false),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  MAIL_FROM: z.string().min(3).default('Anthias Cloud <no-reply@localhost>'),
  INVITATION_TTL_HOURS: int(72),
  // Where mailed links send people (the console); the token always travels in the fragment.
  APP_URL: z.url().optional(),
  MAIL_LINK_TEMPLATE: z
    .string()
    .default('{APP_URL}/{action}#token={token}')
    .refine((t) => t.includes('{token}') && t.indexOf('#') >= 0 && t.indexOf('#') < t.indexOf('{token}'), {
      message: 'must hold {token} after a "#" (the token travels in the fragment, never in the query)',
    }),
  EMAIL_VERIFICATION_TTL_HOURS: int(24),
  PASSWORD_RESET_TTL_MINUTES: int(30),
  ALLOW_SIGNUP: bool.default(false),
  SERVER_TIMING: bool.optional(),
  // Observing it: errors to Sentry, traces over OTLP/HTTP (both off unless set), /metrics behind a token.
  SENTRY_DSN: z.url().optional(),
  SENTRY_ENVIRONMENT: z.string().min(1).optional(),
  SENTRY_RELEASE: z.string().min(1).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('anthias-gateway'),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  GRAPHQL_EXECUTION: z.enum(['compiled', 'graphql-js']).default('compiled'),
});

export type Config = Readonly<{
  env: 'development' | 'production' | 'test';
  isProduction: boolean;
  http: {
    port: number;
    host: string;
    bodyLimit: number;
    sandbox: boolean;
    serverTiming: boolean;
    hstsPreload: boolean;
    trustProxy: false | number | string[];
  };
  internal: { port: number; host: string };
  db: {
    url?: string;
    directUrl?: string;
    migrationUrl?: string;
    poolSize: number;
    prepare: boolean;
    acquireTimeoutMs: number;
    statementTimeoutMs: number;
    dataDir: string;
  };
  redis: { url?: string; prefix: string; timeoutMs: number };
  baseDomain: string;
  logLevel: string;
  limits: { maxTokens: number; maxDepth: number; maxAliases: number; anonymousPerMinute: number };
  tenantCacheTtlSeconds: number;
  sessionTtlSeconds: number;
  loginFailures: { perEmail: number; perAddress: number };
  publicUrl: string;
  devices: { offlineAfterSeconds: number; pairingCodeTtlSeconds: number };
  /** Production lockdown: every client may run only documents of the trusted manifest. */
  persistedQueriesOnly: boolean;
  /** Without SMTP mails are logged; production logs them with their tokens redacted. */
  mail: { smtpUrl?: string; from: string; redactLoggedTokens: boolean };
  invitationTtlHours: number;
  /** Mailed account links (`{action}` and `{token}` filled in) and the life of their tokens. */
  accounts: { linkTemplate: string; verificationTtlHours: number; resetTtlMinutes: number };
  allowSignup: boolean;
  /** Larger documents run but are never stored as automatic persisted queries. */
  apqMaxDocumentBytes: number;
  fairShare: { tenantRequests: number; tenantConnections: number };
  observe: {
    sentry?: { dsn: string; environment: string; release?: string };
    tracing?: { endpoint: string; serviceName: string };
    /** When set, /metrics answers only `Authorization: Bearer <token>`. */
    metricsToken?: string;
  };
  /** Compiled (graphql-jit, each document once) or graphql-js's interpreter; same results. */
  graphqlExecution: 'compiled' | 'graphql-js';
}>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the environment once; names every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')),
  );
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === 'production';
  return Object.freeze({
    env: e.NODE_ENV,
    isProduction,
    http: {
      port: e.PORT,
      host: e.HOST,
      bodyLimit: e.BODY_LIMIT_BYTES,
      sandbox: e.SANDBOX ?? !isProduction,
      serverTiming: e.SERVER_TIMING ?? !isProduction,
      hstsPreload: e.HSTS_PRELOAD,
      trustProxy: e.TRUST_PROXY ?? (false as const),
    },
    internal: { port: e.INTERNAL_PORT, host: e.INTERNAL_HOST },
    db: {
      url: e.DATABASE_URL,
      directUrl: e.DATABASE_DIRECT_URL,
      migrationUrl: e.MIGRATION_DATABASE_URL ?? e.DATABASE_URL,
      poolSize: e.DB_POOL_SIZE,
      acquireTimeoutMs: e.DB_ACQUIRE_TIMEOUT_MS,
      statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
      prepare: e.DB_PREPARE,
      dataDir: e.DATA_DIR,
    },
    redis: { url: e.REDIS_URL, prefix: e.REDIS_PREFIX, timeoutMs: e.REDIS_TIMEOUT_MS },
    baseDomain: e.BASE_DOMAIN,
    logLevel: e.LOG_LEVEL,
    limits: { maxTokens: e.MAX_QUERY_TOKENS, maxDepth: e.MAX_QUERY_DEPTH, maxAliases: e.MAX_QUERY_ALIASES, anonymousPerMinute: e.ANONYMOUS_REQUESTS_PER_MINUTE },
    tenantCacheTtlSeconds: e.TENANT_CACHE_TTL_SECONDS,
    sessionTtlSeconds: e.SESSION_TTL_SECONDS,
    loginFailures: { perEmail: e.LOGIN_FAILURES_PER_EMAIL, perAddress: e.LOGIN_FAILURES_PER_ADDRESS },
    publicUrl: e.PUBLIC_URL.replace(/\/$/, ''),
    devices: { offlineAfterSeconds: e.DEVICE_OFFLINE_AFTER_SECONDS, pairingCodeTtlSeconds: e.PAIRING_CODE_TTL_SECONDS },
    persistedQueriesOnly: e.PERSISTED_QUERIES_ONLY,
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM, redactLoggedTokens: isProduction },
    invitationTtlHours: e.INVITATION_TTL_HOURS,
    accounts: {
      linkTemplate: e.MAIL_LINK_TEMPLATE.replaceAll('{APP_URL}', (e.APP_URL ?? e.PUBLIC_URL).replace(/\/$/, '')),
      verificationTtlHours: e.EMAIL_VERIFICATION_TTL_HOURS,
      resetTtlMinutes: e.PASSWORD_RESET_TTL_MINUTES,
    },
    allowSignup: e.ALLOW_SIGNUP,
    apqMaxDocumentBytes: e.APQ_MAX_DOCUMENT_BYTES,
    graphqlExecution: e.GRAPHQL_EXECUTION,
    // A tenant never holds the whole pool: at least one connection stays for everyone else.
    fairShare: { tenantRequests: e.TENANT_MAX_REQUESTS_IN_FLIGHT, tenantConnections: Math.min(e.TENANT_MAX_CONNECTIONS, Math.max(1, e.DB_POOL_SIZE - 1)) },
    observe: {
      sentry: e.SENTRY_DSN ? { dsn: e.SENTRY_DSN, environment: e.SENTRY_ENVIRONMENT ?? e.NODE_ENV, release: e.SENTRY_RELEASE } : undefined,
      tracing: e.OTEL_EXPORTER_OTLP_ENDPOINT ? { endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: e.OTEL_SERVICE_NAME } : undefined,
      metricsToken: e.METRICS_TOKEN,
    },
  });
}
