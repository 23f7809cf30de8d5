import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertLoopback } from './measure.js';

export type Child = { name: string; pid: number; process: ChildProcess; tail: string[]; exited: boolean };

const running = new Set<Child>();
const TAIL_LINES = 40;

/** A port nothing listens on right now (the kernel picks it), on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A Node child running `script`: TypeScript through tsx, compiled JavaScript (`.js`) with source
 * maps as the image runs it. Without a shell so the pid is the server's own
 * (its CPU and RSS are read from /proc). Output is kept in a short tail for error messages.
 */
export function startNode(name: string, script: string, cwd: string, env: NodeJS.ProcessEnv, args: string[] = [], nodeArgs: string[] = []): Child {
  const runner = script.endsWith('.js') ? ['--enable-source-maps'] : ['--import', 'tsx'];
  const proc = spawn(process.execPath, [...nodeArgs, ...runner, script, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (proc.pid === undefined) throw new Error(`could not start ${name}`);
  const child: Child = { name, pid: proc.pid, process: proc, tail: [], exited: false };
  const keep = (chunk: Buffer) => {
    child.tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    child.tail.splice(0, Math.max(0, child.tail.length - TAIL_LINES));
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  proc.on('exit', () => {
    child.exited = true;
    running.delete(child);
  });
  proc.on('error', (err) => {
    child.tail.push(`${name}: ${err.message}`);
    child.exited = true;
    running.delete(child);
  });
  running.add(child);
  return child;
}

/** Runs a Node script through tsx to completion, bounded in time. */
export async function runNode(script: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<void> {
  const child = startNode(script, script, cwd, env, args);
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.process.kill('SIGKILL'), timeoutMs);
    const settle = (c: number | null) => {
      clearTimeout(timer);
      resolve(c);
    };
    child.process.on('exit', settle);
    child.process.on('error', () => settle(null));
  });
  if (code !== 0) throw new Error(`${script} ${args.join(' ')} exited with ${code}:\n${child.tail.join('\n')}`);
}

/** Polls a readiness URL until it answers 200; bounded in attempts and time. */
export async function waitReady(child: Child, url: string, timeoutMs = 60_000): Promise<void> {
  assertLoopback(url);
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 600 && Date.now() < deadline; attempt++) {
    if (child.exited) throw new Error(`${child.name} exited during start-up:\n${child.tail.join('\n')}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${child.name} was not ready at ${url} within ${timeoutMs} ms:\n${child.tail.join('\n')}`);
}

/** SIGTERM, then SIGKILL after a grace period; by pid, only the processes started here. */
export async function stopAll(graceMs = 5_000): Promise<void> {
  const children = [...running];
  for (const c of children) c.process.kill('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && children.some((c) => !c.exited)) await sleep(100);
  for (const c of children) if (!c.exited) c.process.kill('SIGKILL');
}

/** Last resort from a synchronous 'exit' handler. */
export function killAllNow(): void {
  for (const c of running) if (!c.exited) c.process.kill('SIGKILL');
}
