import { AppError } from '../errors.js';

/**
 * An operation that failed and left the database as it was. A driver error wrapped by drizzle
 * names the whole statement and its parameters (a batch of rows); the driver's own message is
 * what an operator needs. Refused input passes unchanged (it exits 2).
 */
export function failedAndUnchanged(what: string, err: unknown): unknown {
  if (err instanceof AppError) return err;
  const cause = (err as { cause?: { message?: string } })?.cause;
  const message = cause?.message ?? (err instanceof Error ? err.message : String(err));
  return new Error(`${what} failed and changed nothing: ${message}`, { cause: err });
}
