import { linkSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseProblem } from './problems.js';

/** The file in DATA_DIR naming the process that holds the embedded database. */
export const LOCK_FILE = 'anthias.lock';

// Locks this process holds: our own pid in a lock file we do not hold is a leftover of a previous
// run that had the same pid (a container restarted), not a live holder.
const held = new Set<string>();

export class DatabaseInUse extends DatabaseProblem {
  override name = 'DatabaseInUse';
  constructor(dir: string, pid: number | null) {
    super(
      `the embedded database in ${dir} is in use by process ${pid ?? '(unknown)'} (a running gateway?): ` +
        'stop it first, or use PostgreSQL (DATABASE_URL) to run commands beside a server',
    );
  }
}

function holder(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function running(pid: number, path: string): boolean {
  if (pid === process.pid) return held.has(path);
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite is one process's database: a second process opening the same files works on its own copy
 * and its writes are lost. So the opener takes an exclusive lock file holding its pid, created
 * whole and atomically (written aside, then hard-linked into place, which fails if one exists);
 * a lock whose process is gone is taken over. Released by `release()` or when the process exits.
 */
export function lockDataDir(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  const draft = `${path}.${process.pid}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    writeFileSync(draft, `${process.pid}\n`, { mode: 0o600 });
    try {
      linkSync(draft, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = holder(path);
      if (pid !== null && running(pid, path)) throw new DatabaseInUse(dir, pid);
      // Stale (its holder crashed or was killed). Removed only if it still names that holder, so
      // a process that took it over meanwhile keeps it; then the link is tried again.
      if (holder(path) === pid) rmSync(path, { force: true });
      continue;
    } finally {
      rmSync(draft, { force: true });
    }
    held.add(path);
    const release = () => {
      if (held.delete(path) && holder(path) === process.pid) unlinkSync(path);
    };
    process.once('exit', release);
    return () => {
      process.off('exit', release);
      release();
    };
  }
  throw new DatabaseInUse(dir, holder(path));
}
