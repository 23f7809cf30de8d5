import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { inject } from 'vitest';
import { createApp, type App, type Outside } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase, type Database, type DatabaseHandle, type Tx } from '../../src/db/client.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { hashPassword } from '../../src/auth/passwords.js';
import { type Role, tenantUsers, users } from '../../src/db/schema/index.js';
import { createTenant } from '../../src/modules/tenants/tenant-admin.service.js';
import { withTenantTransaction } from '../../src/tenancy/tenant-transaction.js';

let hashed: Promise<string> | undefined;
const memberHash = () => (hashed ??= hashPassword(PASSWORD));

export const uniq = (prefix = 't'): string => `${prefix}${randomBytes(4).toString('hex')}`;
export const PASSWORD = 'Corr3ct-Horse-Battery';

export type GqlResult<T = Record<string, unknown>> = {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: { message: string; extensions?: { code?: string } & Record<string, unknown> }[] };
};

export type RequestOptions = { token?: string; tenant?: string; host?: string; headers?: Record<string, string> };

/** The environment a gateway under test runs with: the run's database, or PGlite in memory. */
export function testEnv(extra: Record<string, string> = {}): Record<string, string> {
  const target = inject('testDatabase');
  const base: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    BASE_DOMAIN: 'signage.test',
    REDIS_PREFIX: `${uniq('anthias-test-')}:`,
    // The test client stands for the proxy in front of the gateway: its X-Forwarded-For is believed.
    TRUST_PROXY: '127.0.0.1',
  };
  if (target.engine === 'postgres') {
    base.DATABASE_URL = target.runtimeUrl;
    base.MIGRATION_DATABASE_URL = target.migrationUrl;
    if (target.redisUrl) base.REDIS_URL = target.redisUrl;
  } else {
    base.DATA_DIR = 'memory://';
  }
  return { ...base, ...extra };
}

export type Harness = {
  app: App;
  url: string;
  /** The owner's connection, for seeding and for checks that must bypass RLS. */
  admin: Database;
  /** The runtime connection: what requests use. */
  runtime: Database;
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, opts?: RequestOptions): Promise<GqlResult<T>>;
  post(body: string, headers?: Record<string, string>): Promise<{ status: number; text: string; headers: Headers }>;
  seedTenant(overrides?: { plan?: string; email?: string }): Promise<SeededTenant>;
  /** A new user with this role in the tenant. */
  addMember(tenantId: string, role: Role, opts?: { isActive?: boolean; permissions?: string[] }): Promise<Member>;
  /** Signs in through the API and returns the session token. */
  login(email: string, password?: string): Promise<string>;
  asTenant<T>(tenantId: string | null, fn: (tx: Tx) => Promise<T>, userId?: string): Promise<T>;
  close(): Promise<void>;
};

export type Member = { userId: string; email: string; password: string };
export type SeededTenant = { id: string; subdomain: string; ownerId: string; ownerEmail: string; password: string };

/** Boots the real gateway on a loopback port, against the run's database and Redis. */
export async function startHarness(extraEnv: Record<string, string> = {}, outside: Outside = {}, log: Logger = createLogger('silent')): Promise<Harness> {
  const config = loadConfig(testEnv(extraEnv));
  const app = await createApp(config, log, outside);
  let adminHandle: DatabaseHandle | undefined;
  if (app.deps.database.kind === 'pglite') await app.deps.database.migrate();
  else adminHandle = await openDatabase({ ...config.db, url: config.db.migrationUrl, poolSize: 2 });
  const admin = adminHandle?.db ?? app.deps.database.db;
  await app.http.listen({ port: 0, host: '127.0.0.1' });
  const address = app.http.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/graphql`;

  // node:http rather than fetch: fetch may not set the Host header, which tenant resolution reads.
  const post = (body: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; text: string; headers: Headers }>((resolve, reject) => {
      const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: h });
        });
      });
      req.on('error', reject);
      req.end(body);
    });

  const harness: Harness = {
    app,
    url,
    admin,
    runtime: app.deps.database.db,
    async gql(query, variables, opts = {}) {
      // As Apollo Client sends it: GraphQL-over-HTTP status codes (4xx for refused documents).
      const headers: Record<string, string> = { accept: 'application/graphql-response+json, application/json;q=0.9', ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (opts.tenant) headers['x-tenant-id'] = opts.tenant;
      if (opts.host) headers.host = opts.host;
      const res = await post(JSON.stringify({ query, variables }), headers);
      return { status: res.status, headers: res.headers, body: JSON.parse(res.text) as GqlResult['body'] } as never;
    },
    post,
    async seedTenant(overrides = {}) {
      const subdomain = uniq('t');
      const ownerEmail = overrides.email ?? `${uniq('owner')}@example.test`;
      const { tenantId, userId } = await createTenant(admin, {
        name: `Tenant ${subdomain}`,
        subdomain,
        plan: overrides.plan ?? 'professional',
        ownerEmail,
        ownerPassword: PASSWORD,
      });
      return { id: tenantId, subdomain, ownerId: userId, ownerEmail, password: PASSWORD };
    },
    async addMember(tenantId, role, opts = {}) {
      const email = `${uniq(role)}@example.test`;
      const [user] = await admin.insert(users).values({ email, passwordHash: await memberHash(), emailVerifiedAt: new Date() }).returning({ id: users.id });
      await admin.insert(tenantUsers).values({
        tenantId,
        userId: user!.id,
        role,
        isActive: opts.isActive ?? true,
        permissions: opts.permissions ?? [],
      });
      return { userId: user!.id, email, password: PASSWORD };
    },
    async login(email, password = PASSWORD) {
      const r = await harness.gql<{ login: { token: string } }>(
        'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }',
        { e: email, p: password },
      );
      if (!r.body.data?.login) throw new Error(`login failed: ${JSON.stringify(r.body.errors)}`);
      return r.body.data.login.token;
    },
    asTenant(tenantId, fn, userId) {
      return withTenantTransaction(app.deps.database.db, { tenantId, userId }, fn);
    },
    async close() {
      await app.close();
      await adminHandle?.close();
    },
  };
  return harness;
}

/** SQL statements the request issued (the gateway reports them in Server-Timing outside production). */
export const statements = (r: GqlResult): number => Number(/dur=(\d+)/.exec(r.headers.get('server-timing') ?? '')?.[1] ?? NaN);

export const codes = (r: GqlResult): (string | undefined)[] => (r.body.errors ?? []).map((e) => e.extensions?.code);
