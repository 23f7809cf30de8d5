import { AsyncLocalStorage } from 'node:async_hooks';

/** Counts the SQL statements each request issues (drizzle's logger feeds it). */
const storage = new AsyncLocalStorage<{ statements: number }>();

export const statementCounter = {
  run<T>(fn: () => T): T {
    return storage.run({ statements: 0 }, fn);
  },
  add(n = 1): void {
    const store = storage.getStore();
    if (store) store.statements += n;
  },
  current(): number {
    return storage.getStore()?.statements ?? 0;
  },
};
