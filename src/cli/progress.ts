import { SingleBar } from 'cli-progress';
import { noProgress, type Progress } from '../operations/progress.js';

/** A progress bar on stderr when it is a terminal; scripts and logs get none. */
export function progressBar(): Progress {
  if (!process.stderr.isTTY) return noProgress;
  const bar = new SingleBar({
    stream: process.stderr,
    format: '{label} [{bar}] {percentage}% | {value}/{total}',
    hideCursor: true,
    clearOnComplete: true,
  });
  let running = false;
  return {
    visible: true,
    start(total, label) {
      if (running) bar.stop();
      bar.start(Math.max(total, 1), 0, { label });
      running = true;
    },
    advance(by) {
      if (running) bar.increment(by);
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
