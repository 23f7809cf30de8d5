import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export type ChildExit = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

export type NodeChild = {
  /** Resolves when the child has written this line to stdout. */
  line(text: string): Promise<void>;
  /** Closes the child's stdin: the scripts read that as "finish now". */
  finish(): void;
  exit: Promise<ChildExit>;
};

/**
 * Runs a TypeScript script in its own Node process, as the gateway runs (`node --import tsx`):
 * an uncaught exception there ends that process, not the test run, and shows in the exit.
 * Killed with SIGKILL after `timeoutMs`, so a hang shows as `signal: 'SIGKILL'`.
 */
export function startNodeChild(script: string, args: string[], timeoutMs = 60_000): NodeChild {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiting = new Map<string, () => void>();
  const printed = (text: string) => stdout.split('\n').includes(text);
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    for (const [text, resolve] of waiting) if (printed(text)) resolve();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.on('error', () => {}); // the child may be gone already
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exit = new Promise<ChildExit>((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return {
    line: (text) =>
      Promise.race([
        new Promise<void>((resolve) => (printed(text) ? resolve() : waiting.set(text, resolve))),
        exit.then((e) => Promise.reject(new Error(`child exited before "${text}": ${JSON.stringify(e)}`))),
      ]),
    finish: () => child.stdin.end(),
    exit,
  };
}

/** The JSON the child printed last, its result. */
export const lastJson = <T>(exit: ChildExit): T => JSON.parse(exit.stdout.trim().split('\n').at(-1) ?? 'null') as T;
