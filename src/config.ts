import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');
const int = (def: number, min = 1) => z.coerce.number().int().min(min).default(def);
const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: postgresUrl.optional(),
  MIGRATION_DATABASE_URL: postgresUrl.optional(),
  DB_POOL_SIZE: int(10),
  // Prepared statements break behind PgBouncer in transaction mode: set false there.
  DB_PREPARE: bool.default(true),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  REDIS_PREFIX: z.string().min(1).default('anthias:'),
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
  TENANT_CACHE_TTL_SECONDS: int(600),
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
  ALLOW_SIGNUP: bool.default(false),
  SERVER_TIMING: bool.optional(),
});

export type Config = Readonly<{
  env: 'development' | 'production' | 'test';
  isProduction: boolean;
  http: { port: number; host: string; bodyLimit: number; sandbox: boolean; serverTiming: boolean };
  db: {
    url?: string;
    migrationUrl?: string;
    poolSize: number;
    prepare: boolean;
    dataDir: string;
  };
  redis: { url?: string; prefix: string };
  baseDomain: string;
  logLevel: string;
  limits: { maxTokens: number; maxDepth: number; maxAliases: number };
  tenantCacheTtlSeconds: number;
  sessionTtlSeconds: number;
  loginFailures: { perEmail: number; perAddress: number };
  publicUrl: string;
  devices: { offlineAfterSeconds: number; pairingCodeTtlSeconds: number };
  /** Production lockdown: every client may run only documents of the trusted manifest. */
  persistedQueriesOnly: boolean;
  mail: { smtpUrl?: string; from: string };
  invitationTtlHours: number;
  allowSignup: boolean;
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
    },
    db: {
      url: e.DATABASE_URL,
      migrationUrl: e.MIGRATION_DATABASE_URL ?? e.DATABASE_URL,
      poolSize: e.DB_POOL_SIZE,
      prepare: e.DB_PREPARE,
      dataDir: e.DATA_DIR,
    },
    redis: { url: e.REDIS_URL, prefix: e.REDIS_PREFIX },
    baseDomain: e.BASE_DOMAIN,
    logLevel: e.LOG_LEVEL,
    limits: { maxTokens: e.MAX_QUERY_TOKENS, maxDepth: e.MAX_QUERY_DEPTH, maxAliases: e.MAX_QUERY_ALIASES },
    tenantCacheTtlSeconds: e.TENANT_CACHE_TTL_SECONDS,
    sessionTtlSeconds: e.SESSION_TTL_SECONDS,
    loginFailures: { perEmail: e.LOGIN_FAILURES_PER_EMAIL, perAddress: e.LOGIN_FAILURES_PER_ADDRESS },
    publicUrl: e.PUBLIC_URL.replace(/\/$/, ''),
    devices: { offlineAfterSeconds: e.DEVICE_OFFLINE_AFTER_SECONDS, pairingCodeTtlSeconds: e.PAIRING_CODE_TTL_SECONDS },
    persistedQueriesOnly: e.PERSISTED_QUERIES_ONLY,
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM },
    invitationTtlHours: e.INVITATION_TTL_HOURS,
    allowSignup: e.ALLOW_SIGNUP,
  });
}
