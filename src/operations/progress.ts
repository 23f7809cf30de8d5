/** How a long operation reports progress; the CLI draws a bar on a terminal and nothing otherwise. */
export type Progress = {
  /** False when nothing is drawn: callers skip work done only for the bar. */
  readonly visible: boolean;
  start(total: number, label: string): void;
  advance(by: number): void;
  stop(): void;
};

export const noProgress: Progress = { visible: false, start() {}, advance() {}, stop() {} };
