/**
 * npm run bench [-- --duration 10 --connections 16 --pool 10 --only list,playlist,create --soak 300 --keep --cpu-profile DIR]
 *
 * Seeds a dedicated database, starts the gateway (production settings), the raw baseline
 * (bench/baseline-server.ts) and the Redis-GET baseline for the cached playlist
 * (bench/redis-baseline-server.ts) as children, and loads them with autocannon, alternating
 * gateway and baselines, then writes bench/RESULTS.md. `--soak <s>` instead runs one long list+playlist
 * mix against the gateway alone and writes bench/SOAK.md. `--cpu-profile DIR` writes the gateway's
 * V8 CPU profile (`--cpu-prof`) into DIR when it stops. Everything targets loopback only.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import postgres, { type Sql } from 'postgres';
import { type Child, freePort, killAllNow, runNode, startNode, stopAll, waitReady } from './children.js';
import { assertLoopback, backendCpu, backendDelta, cpuMs, load, type LoadResult, percentile, rssMb, sample } from './measure.js';
import { type Comparison, type FirstPass, resultsTable, type Run, summarise, table, targetsTable } from './report.js';
import { PASSWORD, seed, SHAPE } from './seed.js';
import { type Call, callsFor, type Credentials, LOGIN_MUTATION, mixedCalls, type Op, OPS, playlistHash, type Session, type Target } from './workload.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = 'redis://127.0.0.1:6379';
const DATABASE = 'anthias_bench';
const LOGIN_ROLE = 'anthias_gateway_bench';
const ROUNDS = 2;
/** Cap of the first pass over every credential (which fills the gateway's per-credential caches). */
const FIRST_PASS_SECONDS = 30;
/** Worst case of the load phases; leaves room for setup and teardown inside the 10-minute budget. */
const MAX_LOAD_SECONDS = 480;
const GATEWAY_APP = 'anthias-gateway';
const BASELINE_APP = 'anthias-bench-baseline';
const REDIS_APP = 'anthias-bench-redis';

class FlagError extends Error {}

/** parseArgs's own errors (unknown flag, missing value) are usage errors too. */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new FlagError(err instanceof Error ? err.message : String(err));
  }
}

type Flags = { duration: number; connections: number; pool: number; only: Op[]; soak: number | null; keep: boolean; profile: string | null };

function parseFlags(): Flags {
  const { values } = usage(() => parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '16' },
      pool: { type: 'string', default: '10' },
      only: { type: 'string', default: OPS.join(',') },
      soak: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'cpu-profile': { type: 'string' },
    },
    strict: true,
  }));
  const int = (name: string, raw: string, min: number, max: number) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new FlagError(`--${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
  const only = values.only.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = only.filter((o) => !(OPS as readonly string[]).includes(o));
  if (!only.length || unknown.length) throw new FlagError(`--only takes a list of ${OPS.join(', ')}`);
  const flags: Flags = {
    duration: int('duration', values.duration, 1, 60),
    connections: int('connections', values.connections, 1, 256),
    // Two pools of this size must fit in PostgreSQL's max_connections (100 here) beside other users.
    pool: int('pool', values.pool, 1, 40),
    only: [...new Set(only)] as Op[],
    soak: values.soak === undefined ? null : int('soak', values.soak, 10, 600),
    keep: values.keep,
    profile: values['cpu-profile'] === undefined ? null : resolve(values['cpu-profile']),
  };
  const planned = flags.only.length * (2 * (FIRST_PASS_SECONDS + warmUp(flags)) + ROUNDS * 2 * flags.duration) +
    (flags.only.includes('playlist') ? warmUp(flags) + ROUNDS * flags.duration : 0);
  if (flags.soak === null && planned > MAX_LOAD_SECONDS) {
    throw new FlagError(`${planned} s of load would not fit in 10 minutes: shorten --duration or narrow --only`);
  }
  return flags;
}

const warmUp = (flags: Flags) => Math.min(3, flags.duration);

const started = Date.now();
const clock = () => {
  const s = Math.round((Date.now() - started) / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};
const say = (line: string) => process.stdout.write(`[${clock()}] ${line}\n`);

function withDatabase(url: string, name: string, user?: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  if (user) {
    u.username = user;
    u.password = user;
  }
  return u.toString();
}

/** Children get only what they need: no DATABASE_URL or REDIS_URL leaks in from the caller's shell. */
const baseEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' });

type Server = { target: Target; child: Child; url: string; app: string };

const state: {
  admin?: Sql;
  owner?: Sql;
  current?: { stop(): void };
  redisPrefix: string;
  keep: boolean;
  databaseCreated: boolean;
} = { redisPrefix: `anthias-bench:${randomBytes(4).toString('hex')}:`, keep: false, databaseCreated: false };
/** Set once a signal, the time budget or an uncaught error has begun the shutdown. */
let aborting = false;

async function main(): Promise<void> {
  const flags = parseFlags();
  state.keep = flags.keep;
  assertLoopback(ADMIN_URL.replace(/^postgres:/, 'http:'));
  assertLoopback(REDIS_URL.replace(/^redis:/, 'http:'));
  const budget = flags.soak === null ? 10 * 60_000 : (flags.soak + 4 * 60) * 1000;
  setTimeout(() => void abort(`over the time budget (${budget / 60_000} min)`, 1), budget).unref();

  // The gateway runs as the image runs it: compiled, not through tsx (whose loader hooks cost it CPU on every request).
  say('building the gateway (npm run build)');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'pipe', timeout: 180_000 });
  say(`database ${DATABASE}: recreating and migrating`);
  const bounded = { onnotice: () => {}, connection: { statement_timeout: 120_000 } };
  const admin = (state.admin = postgres(ADMIN_URL, { max: 2, ...bounded }));
  await admin.unsafe(`drop database if exists ${DATABASE} with (force)`);
  await admin.unsafe(`create database ${DATABASE}`);
  state.databaseCreated = true;
  const ownerUrl = withDatabase(ADMIN_URL, DATABASE);
  await runNode('src/cli/index.ts', ['migrate'], ROOT, { ...baseEnv(), MIGRATION_DATABASE_URL: ownerUrl, LOG_LEVEL: 'error' }, 120_000);
  // The login role the gateway signs in as, made by the operator's own command (password = its name).
  await runNode('src/cli/index.ts', ['create-login-role', LOGIN_ROLE], ROOT, {
    ...baseEnv(),
    MIGRATION_DATABASE_URL: ownerUrl,
    ANTHIAS_LOGIN_PASSWORD: LOGIN_ROLE,
    LOG_LEVEL: 'error',
  }, 60_000);
  const runtimeUrl = withDatabase(ADMIN_URL, DATABASE, LOGIN_ROLE);

  say(`seeding ${SHAPE.tenants} tenants × (${SHAPE.members} members, ${SHAPE.assets} assets, ${SHAPE.devices} devices)`);
  const owner = (state.owner = postgres(ownerUrl, { max: 1, ...bounded }));
  const seeded = await seed(owner);
  await owner.unsafe('vacuum analyze');
  say(`seeded; about ${Math.round(seeded.activeShare * 100)}% of enabled assets play now (UTC)`);

  const common = { ...baseEnv(), DB_POOL_SIZE: String(flags.pool) };
  const gatewayPort = await freePort();
  const gateway: Server = {
    target: 'gateway',
    url: `http://127.0.0.1:${gatewayPort}`,
    app: GATEWAY_APP,
    child: startNode('gateway', 'dist/main.js', ROOT, {
      ...common,
      HOST: '127.0.0.1',
      PORT: String(gatewayPort),
      // Its metrics port too: the default (4001) may be a running gateway's.
      INTERNAL_PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
      SERVER_TIMING: 'true',
      DATABASE_URL: runtimeUrl,
      MIGRATION_DATABASE_URL: ownerUrl,
      REDIS_URL,
      REDIS_PREFIX: state.redisPrefix,
    },
    [],
    // Written when the gateway exits (stopAll's SIGTERM lets it finish).
    flags.profile ? ['--cpu-prof', `--cpu-prof-dir=${flags.profile}`] : []),
  };
  // The soak loads the gateway alone; the baseline would only sit in memory.
  const baselinePort = flags.soak === null ? await freePort() : null;
  const baseline: Server | null = baselinePort === null ? null : {
    target: 'baseline',
    url: `http://127.0.0.1:${baselinePort}`,
    app: BASELINE_APP,
    child: startNode('baseline', 'bench/baseline-server.ts', ROOT, { ...common, PORT: String(baselinePort), DATABASE_URL: runtimeUrl }),
  };
  const redisPort = flags.soak === null && flags.only.includes('playlist') ? await freePort() : null;
  const redis: Server | null = redisPort === null ? null : {
    target: 'redis',
    url: `http://127.0.0.1:${redisPort}`,
    app: REDIS_APP,
    child: startNode('redis baseline', 'bench/redis-baseline-server.ts', ROOT, { ...baseEnv(), PORT: String(redisPort), REDIS_URL, REDIS_PREFIX: state.redisPrefix }),
  };
  await Promise.all([gateway, baseline, redis].map((s) => s && waitReady(s.child, `${s.url}/readyz`)));
  for (const s of [gateway, baseline, redis]) if (s) say(`${s.target} pid ${s.child.pid} on ${s.url}`);

  const creds: Credentials = { sessions: await signIn(gateway.url, seeded.editors), screens: seeded.devices };
  const hash = playlistHash(`${ROOT}clients/device/manifest.json`);
  say(`${creds.sessions.length} sessions through login, ${creds.screens.length} device keys; DevicePlaylist ${hash.slice(0, 12)}…`);

  const context = { admin, creds, hash, flags, gateway, activeShare: seeded.activeShare };
  if (baseline) await compare({ ...context, baseline, redis });
  else await soak(context, flags.soak ?? 0);
}

/** Sessions through the real login mutation, four at a time (argon2 verification is the cost). */
async function signIn(base: string, editors: { tenantId: string; subdomain: string; userId: string; email: string }[]): Promise<Session[]> {
  assertLoopback(base);
  const sessions: Session[] = [];
  const deadline = Date.now() + 120_000;
  let next = 0;
  const worker = async () => {
    while (next < editors.length) {
      if (Date.now() > deadline) throw new Error(`signing in took over 2 minutes (${sessions.length} of ${editors.length} done)`);
      const e = editors[next++]!;
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: LOGIN_MUTATION, variables: { email: e.email, password: PASSWORD } }),
        signal: AbortSignal.timeout(15_000),
      });
      const body = (await res.json()) as { data?: { login?: { token?: string } }; errors?: unknown[] };
      const token = body.data?.login?.token;
      if (!token) throw new Error(`login of ${e.email} failed: ${JSON.stringify(body).slice(0, 400)}`);
      sessions.push({ tenantId: e.tenantId, subdomain: e.subdomain, userId: e.userId, token });
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  // Keep the rotation in tenant order whatever order the logins finished in.
  return sessions.sort((a, b) => a.subdomain.localeCompare(b.subdomain) || a.userId.localeCompare(b.userId));
}

type Context = {
  admin: Sql;
  creds: Credentials;
  hash: string;
  flags: Flags;
  gateway: Server;
  activeShare: number;
};
type ComparisonContext = Context & { baseline: Server; redis: Server | null };

/** One autocannon run, with a progress line on a terminal. */
async function loaded(label: string, server: Server, next: () => Call, flags: Flags, duration: number, amount?: number): Promise<LoadResult> {
  if (aborting) throw new Error('stopping');
  const tty = process.stdout.isTTY;
  const run = load(server.url, next, { connections: flags.connections, duration, amount }, (s) => {
    if (tty) process.stdout.write(`\r[${clock()}] ${label} ${'#'.repeat(Math.min(s, duration)).padEnd(duration, '.')} ${s}/${duration} s`);
  });
  state.current = run;
  try {
    return await run.done;
  } finally {
    state.current = undefined;
    if (tty) process.stdout.write('\r\x1b[2K');
  }
}

async function measured(ctx: Context, op: Op, server: Server, next: () => Call, label: string): Promise<Run> {
  const pid = server.child.pid;
  await sample(server.url, op, next);
  const cpu0 = cpuMs(pid);
  const rss0 = rssMb(pid);
  const db0 = await backendCpu(ctx.admin, DATABASE, server.app);
  const result = await loaded(label, server, next, ctx.flags, ctx.flags.duration);
  const cpu1 = cpuMs(pid);
  const rss1 = rssMb(pid);
  const db1 = await backendCpu(ctx.admin, DATABASE, server.app);
  await sample(server.url, op, next);
  if (cpu0 === null || cpu1 === null || server.child.exited) throw new Error(`${server.target} exited:\n${server.child.tail.join('\n')}`);
  const bad = result.errors + result.non2xx + result.graphqlErrors;
  say(
    `${label}: ${result.reqPerSec.toFixed(0)} req/s, p99 ${percentile([...result.latencies].sort((a, b) => a - b), 99).toFixed(1)} ms` +
      `${bad ? `, ${bad} ERRORS` : ''}`,
  );
  return {
    ...result,
    cpuMs: cpu1 - cpu0,
    dbCpuMs: backendDelta(db0, db1),
    rssBefore: rss0 ?? Number.NaN,
    rssAfter: rss1 ?? Number.NaN,
  };
}

/** Same credential, both targets: the baseline must answer with the gateway's data and shape. */
async function checkParity(ctx: ComparisonContext, op: Op, baseline: Server): Promise<void> {
  const first = async (server: Server) =>
    (await sample(server.url, op, callsFor(op, server.target, ctx.creds, ctx.hash), 1))[0] as Record<string, unknown>;
  // The gateway first: its answer fills the per-device cache the Redis-GET baseline reads.
  const [g, b] = [await first(ctx.gateway), await first(baseline)];
  const problems: string[] = [];
  if (JSON.stringify(shape(g)) !== JSON.stringify(shape(b))) problems.push(`shapes differ:\n${JSON.stringify(shape(g))}\n${JSON.stringify(shape(b))}`);
  if (op === 'list') {
    const ids = (d: Record<string, unknown>) => JSON.stringify((d.assets as { nodes: { id: string }[] }).nodes.map((n) => n.id));
    if (ids(g) !== ids(b)) problems.push('the pages list different assets');
  }
  if (op === 'playlist') {
    const etag = (d: Record<string, unknown>) => (d.devicePlaylist as { etag: string }).etag;
    if (etag(g) !== etag(b)) problems.push(`etags differ (${etag(g)} vs ${etag(b)})`);
  }
  if (problems.length) throw new Error(`${baseline.target} baseline ${op} does not match the gateway: ${problems.join('; ')}`);
}

/** The JSON's structure: keys in order and value types, arrays by their first element. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return [value.length ? shape(value[0]) : 'empty'];
  if (value && typeof value === 'object') return Object.entries(value).map(([k, v]) => [k, shape(v)]);
  return value === null ? 'null' : typeof value;
}

async function compare(ctx: ComparisonContext): Promise<void> {
  const { flags } = ctx;
  const results: Comparison[] = [];
  const firstPass: string[][] = [];
  const firstPassRates: FirstPass = {};
  for (const op of flags.only) {
    const cachedBaseline = op === 'playlist' ? ctx.redis : null;
    await checkParity(ctx, op, ctx.baseline);
    const servers = [ctx.gateway, ctx.baseline];
    const calls = Object.fromEntries(servers.map((s) => [s.target, callsFor(op, s.target, ctx.creds, ctx.hash)])) as Record<Target, () => Call>;
    // Steady state, as a fleet sees it: each credential has been seen once before measuring, so
    // per-session, per-key and per-device caches are warm. The pass itself is reported apart.
    const credentials = op === 'playlist' ? ctx.creds.screens.length : ctx.creds.sessions.length;
    const cold: Partial<Record<Target, LoadResult>> = {};
    for (const s of servers) {
      const pass = await loaded(`${op} ${s.target} first pass`, s, calls[s.target], flags, FIRST_PASS_SECONDS, credentials);
      say(`${op} ${s.target} first pass over ${credentials} credentials: ${pass.reqPerSec.toFixed(0)} req/s`);
      cold[s.target] = pass;
    }
    firstPassRates[op] = { gateway: cold.gateway!.reqPerSec, baseline: cold.baseline!.reqPerSec };
    firstPass.push([op, String(credentials), ...servers.flatMap((s) => {
      const r = cold[s.target]!;
      return [r.reqPerSec.toFixed(0), (r.statements.sum / Math.max(r.statements.count, 1)).toFixed(1)];
    })]);
    // The gateway's first pass has filled every device's cache entry: the Redis-GET baseline
    // reads those (it has no cold pass of its own), and joins the alternation from here.
    if (cachedBaseline) {
      await checkParity(ctx, op, cachedBaseline);
      servers.push(cachedBaseline);
      calls.redis = callsFor(op, 'redis', ctx.creds, ctx.hash);
    }
    for (const s of servers) await loaded(`${op} ${s.target} warm-up`, s, calls[s.target], flags, warmUp(flags));
    const runs: Record<Target, Run[]> = { gateway: [], baseline: [], redis: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const s of servers) runs[s.target].push(await measured(ctx, op, s, calls[s.target], `${op} ${s.target} ${round}/${ROUNDS}`));
    }
    results.push({
      op,
      gateway: summarise(runs.gateway),
      baseline: summarise(runs.baseline),
      ...(runs.redis.length ? { redis: summarise(runs.redis) } : {}),
    });
  }
  const main = resultsTable(results);
  const targets = targetsTable(results, firstPassRates);
  const cold = table(['op', 'credentials', 'gw req/s', 'gw stmts/req', 'base req/s', 'base stmts/req'], firstPass);
  process.stdout.write(`\n${main}\n\n${targets.text}\n\nFirst pass (cold caches):\n${cold}\n\n`);
  writeFileSync(`${ROOT}bench/RESULTS.md`, await resultsDocument(ctx, main, targets.text, cold));
  say(`wrote bench/RESULTS.md; ${targets.missed ? `${targets.missed} target(s) missed` : 'all targets met'}`);
}

/** The commit measured, and whether src/ differed from it (another engineer may be editing it). */
function revision(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src') ? ' with uncommitted changes in src/' : ''}`;
  } catch {
    return 'unknown';
  }
}

async function machine(admin: Sql): Promise<string> {
  const [pg] = await admin<{ server_version: string }[]>`show server_version`;
  const cpu = cpus();
  return `${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, PostgreSQL ${pg?.server_version ?? '?'}`;
}

async function resultsDocument(ctx: ComparisonContext, results: string, targets: string, cold: string): Promise<string> {
  const { flags, creds } = ctx;
  return `# Gateway vs raw baseline

- Date: ${new Date().toISOString()}; source ${revision()}
- Machine: ${await machine(ctx.admin)}; the load generator, both servers, PostgreSQL and Redis share it
- Settings: pool ${flags.pool} per server, ${flags.connections} connections; per operation a first pass, a ${warmUp(flags)} s warm-up, then ${ROUNDS} rounds × ${flags.duration} s per target, run gateway, baseline, gateway, baseline
- Data: ${SHAPE.tenants} tenants × (${SHAPE.members} members, ${SHAPE.assets} assets of which 60% enabled and about ${Math.round(ctx.activeShare * 100)}% of those playing now, ${SHAPE.devices} devices); ${creds.sessions.length} editor sessions through \`login\` and ${creds.screens.length} device keys, rotated on every request
- Gateway: compiled (\`npm run build\`, then \`node --enable-source-maps dist/main.js\` as in the image), \`NODE_ENV=production LOG_LEVEL=warn SERVER_TIMING=true\`, Redis, logged in as a member of \`anthias_app\`
- Baseline: \`bench/baseline-server.ts\` (\`node:http\` + \`postgres\`), the same login role, tenant transaction and JSON
- Redis-GET baseline (cached playlist): \`bench/redis-baseline-server.ts\` (\`node:http\` + \`ioredis\`), one GET of the gateway's per-device cache entry, the same JSON
- Time to this point: ${clock()} (mm:ss, seeding included)

${results}

req/s: mean over rounds. p50/p99: over every response of both rounds. errors: connection errors,
timeouts, non-2xx and responses with GraphQL \`errors\` (three responses before and after every round are
also parsed in full; any error there stops the run). stmts/req: the \`server-timing\` SQL count of every
response (BEGIN and COMMIT included). CPU ms/req: the server process's user+system CPU (/proc) over the
requests it completed; DB CPU: the same for its PostgreSQL backends (by \`application_name\`). RSS: before
the first and after the last measured round.

## Targets

${targets}

## First pass (cold caches)

Before warming up, each target answers one request per credential (each session or device key
once), ${FIRST_PASS_SECONDS} s at most; the measured rounds above therefore show the steady state, where the
gateway's per-session, per-key and per-device caches are warm. This pass shows the cold cost.

${cold}
`;
}

async function soak(ctx: Context, seconds: number): Promise<void> {
  const { gateway, creds, hash, flags } = ctx;
  const pid = gateway.child.pid;
  for (const op of ['list', 'playlist'] as const) {
    await sample(gateway.url, op, callsFor(op, 'gateway', creds, hash));
    const credentials = op === 'list' ? creds.sessions.length : creds.screens.length;
    const pass = await loaded(`soak first pass ${op}`, gateway, callsFor(op, 'gateway', creds, hash), flags, FIRST_PASS_SECONDS, credentials);
    say(`soak first pass ${op} over ${credentials} credentials: ${pass.reqPerSec.toFixed(0)} req/s`);
  }
  const next = mixedCalls(creds, hash);
  const rssStart = rssMb(pid);
  const cpu0 = cpuMs(pid);
  const series: [number, number][] = [];
  // About 60 RSS readings whatever the length, at least 10 s apart.
  const every = Math.max(10, Math.ceil(seconds / 60));
  const timer = setInterval(() => series.push([series.length * every + every, rssMb(pid) ?? Number.NaN]), every * 1000);
  let result: LoadResult;
  try {
    result = await loaded('soak list+playlist', gateway, next, flags, seconds);
  } finally {
    clearInterval(timer);
  }
  const cpu1 = cpuMs(pid);
  const rssEnd = rssMb(pid);
  for (const op of ['list', 'playlist'] as const) await sample(gateway.url, op, callsFor(op, 'gateway', creds, hash));
  const latencies = result.latencies.sort((a, b) => a - b);
  const rss = series.length ? series.map(([, r]) => r) : [rssEnd ?? Number.NaN];
  const text = table(
    ['req/s', 'p50 ms', 'p99 ms', 'errors', 'CPU ms/req', 'RSS MB start', 'RSS MB min / max during', 'RSS MB end'],
    [[
      result.reqPerSec.toFixed(0), percentile(latencies, 50).toFixed(1), percentile(latencies, 99).toFixed(1),
      String(result.errors + result.non2xx + result.graphqlErrors),
      cpu0 !== null && cpu1 !== null ? ((cpu1 - cpu0) / Math.max(result.requests, 1)).toFixed(2) : 'n/a',
      rssStart?.toFixed(0) ?? 'n/a', `${Math.min(...rss).toFixed(0)} / ${Math.max(...rss).toFixed(0)}`, rssEnd?.toFixed(0) ?? 'n/a',
    ]],
  );
  process.stdout.write(`\n${text}\n\n`);
  writeFileSync(
    `${ROOT}bench/SOAK.md`,
    `# Gateway soak: list + playlist\n\n- Date: ${new Date().toISOString()}; source ${revision()}\n- Machine: ${await machine(ctx.admin)}\n` +
      `- ${seconds} s, ${flags.connections} connections, pool ${flags.pool}, requests alternating list and playlist\n\n${text}\n\n` +
      `RSS every ${every} s (MB): ${series.map(([t, r]) => `${t}s ${r.toFixed(0)}`).join(', ')}\n`,
  );
  say('wrote bench/SOAK.md');
}

/** Bounded steps, each on its own: one failing must not keep the others from running. */
async function step(name: string, work: () => Promise<unknown>, ms = 15_000): Promise<void> {
  try {
    await Promise.race([work(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref())]);
  } catch (err) {
    say(`cleanup: ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    state.current?.stop();
    await step('stopping servers', () => stopAll());
    await step('closing the owner connection', async () => state.owner?.end({ timeout: 2 }));
    await step('removing Redis keys', () => dropRedisKeys(state.redisPrefix));
    if (state.admin && state.databaseCreated && !state.keep) {
      const admin = state.admin;
      await step('dropping the database', () => admin.unsafe(`drop database if exists ${DATABASE} with (force)`));
      await step('dropping the login role', () => admin.unsafe(`drop role if exists ${LOGIN_ROLE}`));
    } else if (state.keep) say(`kept database ${DATABASE}`);
    await step('closing the admin connection', async () => state.admin?.end({ timeout: 2 }));
  })();
  return cleaning;
}

/** The run's own keys only (its prefix), in bounded SCAN batches. */
async function dropRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    for (let i = 0; i < 10_000; i++) {
      const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = nextCursor;
      if (cursor === '0') break;
    }
  } finally {
    redis.disconnect();
  }
}

async function abort(reason: string, code: number): Promise<void> {
  if (aborting) return;
  aborting = true;
  say(`stopping: ${reason}`);
  await cleanup();
  process.exit(code);
}

process.on('SIGINT', () => void abort('interrupted', 130));
process.on('SIGTERM', () => void abort('terminated', 143));
process.on('uncaughtException', (err) => void abort(`uncaught ${err.stack ?? err.message}`, 1));
process.on('unhandledRejection', (err) => void abort(`unhandled rejection ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, 1));
process.on('exit', killAllNow);

main().then(
  async () => {
    if (aborting) return;
    await cleanup();
    say('done');
    process.exit(0);
  },
  async (err: unknown) => {
    if (aborting) return;
    const detail = err instanceof FlagError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`\nbench failed: ${detail}\n`);
    await cleanup();
    process.exit(1);
  },
);
