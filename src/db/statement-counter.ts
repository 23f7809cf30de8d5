import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Counts the SQL statements each request issues (drizzle's logger feeds it). The same per-request
 * store carries the request's id, so an error response can quote it wherever it is formatted.
 */
const storage = new AsyncLocalStorage<{ statements: number; requestId?: string }>();

export const statementCounter = {
  run<T>(fn: () => T, requestId?: string): T {
    return storage.run({ statements: 0, requestId }, fn);
  },
  add(n = 1): void {
    const store = storage.getStore();
    if (store) store.statements += n;
  },
  current(): number {
    return storage.getStore()?.statements ?? 0;
  },
};

/** The id of the request being handled, if any. */
export const currentRequestId = (): string | undefined => storage.getStore()?.requestId;
