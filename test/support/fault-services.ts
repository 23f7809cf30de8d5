import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../bench/children.js';

/**
 * Private PostgreSQL and Redis servers for fault tests: each on its own free loopback port and
 * temp directory, so a test may stop, pause or kill them without touching the shared services.
 * Every wait is bounded; every server is torn down by `destroy()` and, as a last resort, when
 * the test process exits.
 */

const WAIT_MS = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type StopMode = 'smart' | 'fast' | 'immediate';

export type PostgresCluster = {
  readonly port: number;
  /** The cluster superuser's URL (trust auth on loopback): it may create databases and migrate. */
  url(database?: string): string;
  start(): Promise<void>;
  stop(mode?: StopMode): Promise<void>;
  restart(mode?: StopMode): Promise<void>;
  /** SIGSTOP to the postmaster and its backends: connections stay open and nothing answers. */
  pause(): void;
  resume(): void;
  /** SIGKILL to the postmaster and its backends, as a crash or an OOM kill would. */
  kill(): Promise<void>;
  destroy(): Promise<void>;
};

export type RedisServer = {
  readonly port: number;
  url(): string;
  start(): Promise<void>;
  stop(): Promise<void>;
  pause(): void;
  resume(): void;
  destroy(): Promise<void>;
};

function run(file: string, args: string[], timeout = WAIT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout, killSignal: 'SIGKILL' }, (err, stdout, stderr) =>
      err ? reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

/** PostgreSQL refuses to run as root: its tools run as the `postgres` OS user. */
const asPostgres = (bin: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', bin, ...args]);

function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error(`no PostgreSQL server binaries under ${root}`);
  return join(root, newest, 'bin');
}

function postgresUid(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('no `postgres` OS user');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** The postmaster and its backends: a signal to the postmaster alone would leave them running. */
function signalTree(pid: number, signal: NodeJS.Signals): void {
  const children = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8', timeout: 5_000 });
  const pids = (children.stdout ?? '').split('\n').filter(Boolean).map(Number);
  for (const target of [pid, ...pids]) {
    try {
      process.kill(target, signal);
    } catch {
      // Gone already: what SIGKILL wanted, and nothing to stop or continue.
    }
  }
}

const exitCleanups = new Set<() => void>();
process.once('exit', () => exitCleanups.forEach((f) => f()));

/** initdb into a temp dir owned by `postgres`, then start it on a free loopback port. */
export async function startPostgres(): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  const owner = postgresUid();
  const dir = mkdtempSync(join(tmpdir(), 'anthias-pg-'));
  chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  let paused = false;

  const postmasterPid = (): number | undefined => {
    const pidFile = join(data, 'postmaster.pid');
    if (!existsSync(pidFile)) return undefined;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    // Until it is reaped, a killed postmaster still counts, for PostgreSQL's own check too.
    return existsSync(`/proc/${pid}`) ? pid : undefined;
  };
  const hardStop = () => {
    const pid = postmasterPid();
    if (pid) signalTree(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  exitCleanups.add(hardStop);

  const pgCtl = (args: string[]) => asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-l', logFile, '-w', '-t', '30', ...args]);

  const cluster: PostgresCluster = {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: () => pgCtl(['start']).then(() => undefined),
    async stop(mode = 'fast') {
      await pgCtl(['stop', '-m', mode]);
    },
    async restart(mode = 'fast') {
      await pgCtl(['restart', '-m', mode]);
    },
    pause() {
      const pid = postmasterPid();
      if (!pid) throw new Error('PostgreSQL is not running');
      signalTree(pid, 'SIGSTOP');
      paused = true;
    },
    resume() {
      const pid = postmasterPid();
      if (pid) signalTree(pid, 'SIGCONT');
      paused = false;
    },
    async kill() {
      const pid = postmasterPid();
      if (!pid) return;
      signalTree(pid, 'SIGKILL');
      const deadline = Date.now() + WAIT_MS;
      while (postmasterPid() && Date.now() < deadline) await sleep(50);
    },
    async destroy() {
      if (paused) cluster.resume();
      if (postmasterPid()) await pgCtl(['stop', '-m', 'immediate']).catch(() => undefined);
      hardStop();
      exitCleanups.delete(hardStop);
    },
  };

  try {
    await asPostgres(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    // Loopback only; its own socket directory; durability off: these clusters are thrown away.
    const conf = join(data, 'postgresql.auto.conf');
    writeFileSync(
      conf,
      [
        `port = ${port}`,
        `listen_addresses = '127.0.0.1'`,
        `unix_socket_directories = '${dir}'`,
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        'max_connections = 50',
        'shared_buffers = 16MB',
        '',
      ].join('\n'),
    );
    chownSync(conf, owner.uid, owner.gid);
    await cluster.start();
  } catch (err) {
    await cluster.destroy();
    throw err;
  }
  return cluster;
}

/** A redis-server without persistence on a free loopback port. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let paused = false;

  const hardStop = () => child?.kill('SIGKILL');
  exitCleanups.add(hardStop);

  const ping = () =>
    new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.setTimeout(1_000, () => socket.destroy());
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (d) => {
        resolve(d.toString().startsWith('+PONG'));
        socket.destroy();
      });
      socket.once('error', () => resolve(false));
      socket.once('close', () => resolve(false));
    });

  const server: RedisServer = {
    port,
    url: () => `redis://127.0.0.1:${port}`,
    async start() {
      if (child) return;
      const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      });
      child = proc;
      proc.once('exit', () => child === proc && (child = undefined));
      const deadline = Date.now() + WAIT_MS;
      while (!(await ping())) {
        if (!child || Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
        await sleep(50);
      }
    },
    async stop() {
      const proc = child;
      if (!proc) return;
      if (paused) server.resume();
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      await Promise.race([exited, sleep(WAIT_MS).then(() => proc.kill('SIGKILL'))]);
      await exited;
    },
    pause() {
      if (!child) throw new Error('redis-server is not running');
      child.kill('SIGSTOP');
      paused = true;
    },
    resume() {
      child?.kill('SIGCONT');
      paused = false;
    },
    async destroy() {
      await server.stop();
      exitCleanups.delete(hardStop);
    },
  };
  await server.start();
  return server;
}

export type CutMode = 'end' | 'reset';

export type FaultProxy = {
  readonly port: number;
  /** The target URL with this proxy's port in place of the server's. */
  url(target: string): string;
  /** Cuts every open connection now: `end` as a clean close (FIN), `reset` as RST. */
  cut(mode: CutMode): void;
  /**
   * Cuts a connection once the client sends bytes containing `marker`, before the server sees
   * them: the driver is then in the middle of that exchange, deterministically.
   */
  cutOn(marker: string, mode: CutMode): Promise<void>;
  close(): Promise<void>;
};

/** A loopback TCP proxy in front of `targetPort`, for cuts at an exact point of the protocol. */
export async function startProxy(targetPort: number): Promise<FaultProxy> {
  const pairs = new Set<{ client: Socket; server: Socket }>();
  const triggers: { marker: Buffer; mode: CutMode; done: () => void }[] = [];

  const cutPair = (pair: { client: Socket; server: Socket }, mode: CutMode) => {
    pairs.delete(pair);
    pair.server.destroy();
    if (mode === 'reset') pair.client.resetAndDestroy();
    else pair.client.end(() => pair.client.destroy());
  };

  const server = createServer((client) => {
    const upstream = createConnection({ port: targetPort, host: '127.0.0.1' });
    const pair = { client, server: upstream };
    pairs.add(pair);
    client.on('data', (data: Buffer) => {
      const hit = triggers.findIndex((t) => data.includes(t.marker));
      if (hit >= 0) {
        const [trigger] = triggers.splice(hit, 1);
        cutPair(pair, trigger!.mode);
        trigger!.done();
        return;
      }
      upstream.write(data);
    });
    upstream.on('data', (data: Buffer) => client.writable && client.write(data));
    const close = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    url(target) {
      const u = new URL(target);
      u.port = String(port);
      return u.toString();
    },
    cut(mode) {
      for (const pair of [...pairs]) cutPair(pair, mode);
    },
    cutOn(marker, mode) {
      return new Promise((done) => triggers.push({ marker: Buffer.from(marker), mode, done }));
    },
    async close() {
      for (const pair of [...pairs]) cutPair(pair, 'end');
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
