import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { loadConfig } from '../src/config.js';
import { parseDockerfile, type Stage } from './deploy-check/dockerfile.js';
import { type BuiltStage, buildStage } from './deploy-check/image-stage.js';
import { freePort } from '../bench/children.js';
import { run, stop, waitForHttp } from './deploy-check/processes.js';

// CI has no Docker engine: this builds the Dockerfile's final stage (and the stages it copies
// from) into a folder, then runs the gateway from it the way the image would, against PostgreSQL
// and Redis. Any instruction, flag or RUN command it does not understand fails the check.
// Flags: --keep leaves the folder. Env: CI_POSTGRES_URL (a superuser), CI_REDIS_URL.

const context = fileURLToPath(new URL('..', import.meta.url));
const adminUrl = process.env.CI_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.CI_REDIS_URL ?? 'redis://127.0.0.1:6379';
const LOGIN = 'anthias_image_check';
const PASSWORD = 'Corr3ct-Horse-Battery';

const step = (message: string) => process.stdout.write(`-- ${message}\n`);
function check(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Error(message);
}

/** The final stage and every stage it copies from, in file order. */
function neededStages(stages: Stage[]): Stage[] {
  const needed = new Set([stages.at(-1)!.name]);
  for (const stage of [...stages].reverse()) {
    if (!needed.has(stage.name)) continue;
    for (const s of stage.steps) if (s.kind === 'COPY' && s.from) needed.add(s.from);
  }
  return stages.filter((s) => needed.has(s.name));
}

/** The image's stages run on the Node major of their base image; so must this check. */
function checkNodeMajor(stages: Stage[]): void {
  for (const stage of stages) {
    const major = /^node:(\d+)-/.exec(stage.image)?.[1];
    check(major !== undefined, `stage ${stage.name}: base image ${stage.image} is not an official node:<major>-… image`);
    const ours = process.versions.node.split('.')[0];
    check(major === ours, `stage ${stage.name} runs Node ${major}, this check runs Node ${ours}: put a Node ${major} first on PATH`);
  }
}

/** What the image would hold, checked without running it. */
function checkLayout(image: BuiltStage): void {
  const app = join(image.root, image.workdir);
  check(image.user !== undefined && !['root', '0'].includes(image.user), 'the final stage must switch to a non-root USER');
  check(image.cmd !== undefined, 'the final stage has no CMD');
  check(image.healthcheck !== undefined, 'the final stage has no HEALTHCHECK');
  check(image.env.NODE_ENV === 'production', 'the final stage must set NODE_ENV=production');
  check(image.exposed.includes(Number(image.env.PORT)), `EXPOSE does not include PORT=${image.env.PORT}`);
  for (const path of ['dist/main.js', 'dist/cli/index.js', 'bin/anthias.js', 'drizzle/meta/_journal.json', 'clients/device/manifest.json', 'package.json']) {
    check(existsSync(join(app, path)), `the image lacks ${path}`);
  }
  check(!existsSync(join(app, 'src')), 'the image ships src/: production runs the compiled dist/');
  for (const dev of ['tsx', 'typescript', 'vitest']) check(!existsSync(join(app, 'node_modules', dev)), `the image holds the dev dependency ${dev}`);
  const dataDir = posix.resolve(image.workdir, loadConfig(image.env).db.dataDir);
  check(image.owners.get(dataDir)?.split(':')[0] === image.user, `USER ${image.user} does not own the embedded database folder ${dataDir}`);
}

async function gql(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  check(res.ok && !body.errors, `${query} answered ${res.status} ${JSON.stringify(body)}`);
  return body.data!;
}

const root = mkdtempSync(join(tmpdir(), 'anthias-image-'));
const dbName = `anthias_image_${randomBytes(5).toString('hex')}`;
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
let failed = false;
try {
  const stages = neededStages(parseDockerfile(readFileSync(join(context, 'Dockerfile'), 'utf8')));
  checkNodeMajor(stages);
  const built = new Map<string, BuiltStage>();
  for (const stage of stages) {
    step(`stage ${stage.name}`);
    built.set(stage.name, buildStage(stage, { context, root: join(root, stage.name), earlier: built }));
  }
  const image = built.get(stages.at(-1)!.name)!;
  checkLayout(image);
  const app = join(image.root, image.workdir);

  const withDb = (name: string, user?: string, password?: string) => {
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    if (user) [u.username, u.password] = [user, password ?? ''];
    return u.toString();
  };
  const ports = { http: await freePort(), internal: await freePort() };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: join(root, 'home'),
    ...image.env,
    // Loopback and free ports on the CI machine, in place of the container's own network.
    HOST: '127.0.0.1',
    PORT: String(ports.http),
    INTERNAL_PORT: String(ports.internal),
    MIGRATION_DATABASE_URL: withDb(dbName),
    DATABASE_URL: withDb(dbName, LOGIN, PASSWORD),
    REDIS_URL: redisUrl,
    REDIS_PREFIX: `${dbName}:`,
    BASE_DOMAIN: 'signage.test',
    LOG_LEVEL: 'warn',
  };
  const cli = async (...args: string[]) => {
    const r = await run('node', ['bin/anthias.js', ...args], { cwd: app, env: { ...env, ANTHIAS_LOGIN_PASSWORD: PASSWORD, ANTHIAS_OWNER_PASSWORD: PASSWORD } });
    check(r.code === 0, `anthias ${args[0]} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };

  step(`database ${dbName}: migrate with the image's CLI, login role, tenant`);
  await admin.unsafe(`create database ${dbName}`);
  await cli('migrate');
  await cli('create-login-role', LOGIN);
  await cli('create-tenant', 'Image Check', 'imagecheck', '--plan', 'basic', '--owner-email', 'owner@image.test');
  await cli('rls', 'validate');

  step(`gateway: ${image.cmd!.join(' ')}`);
  const gateway = spawn(image.cmd![0]!, image.cmd!.slice(1), { cwd: app, env, stdio: ['ignore', 'inherit', 'inherit'] });
  try {
    const base = `http://127.0.0.1:${ports.http}`;
    await waitForHttp(`${base}/healthz`, gateway, 120_000);
    const health = await run(image.healthcheck![0]!, image.healthcheck!.slice(1), { cwd: app, env, timeoutMs: 10_000 });
    check(health.code === 0, `HEALTHCHECK exited ${health.code}: ${health.stderr}`);

    const tenant = { 'x-tenant-id': 'imagecheck' };
    const pub = await gql(`${base}/graphql`, '{ currentTenant { name subdomain } }', {}, tenant);
    check(JSON.stringify(pub) === JSON.stringify({ currentTenant: { name: 'Image Check', subdomain: 'imagecheck' } }), `currentTenant: ${JSON.stringify(pub)}`);
    const login = await gql(`${base}/graphql`, 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: 'owner@image.test', p: PASSWORD }, tenant);
    const token = (login.login as { token: string }).token;
    const member = await gql(`${base}/graphql`, '{ currentTenant { plan } }', {}, { ...tenant, authorization: `Bearer ${token}` });
    check((member.currentTenant as { plan: string }).plan === 'basic', `currentTenant as the owner: ${JSON.stringify(member)}`);
    const ask = await fetch(`http://127.0.0.1:${ports.internal}/tls/ask?domain=imagecheck.signage.test`);
    check(ask.status === 200, `/tls/ask on the internal port answered ${ask.status}`);
    process.stdout.write(`currentTenant ${JSON.stringify(pub)}, signed in, plan basic, /tls/ask 200\n`);
    const code = await stop(gateway);
    check(code === 0, `the gateway exited ${code} on SIGTERM (expected a clean 0)`);
  } finally {
    if (gateway.exitCode === null && gateway.signalCode === null) await stop(gateway);
  }
  step('the image starts, answers and stops cleanly');
} catch (err) {
  failed = true;
  process.stderr.write(`image check FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
} finally {
  await admin.unsafe(`drop database if exists ${dbName} with (force)`).catch(() => {});
  await admin.end();
  if (process.argv.includes('--keep')) process.stdout.write(`kept ${root}\n`);
  else rmSync(root, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
