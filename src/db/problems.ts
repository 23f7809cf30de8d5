import { sql } from 'drizzle-orm';
import type { DatabaseHandle } from './client.js';
import { rows } from './rows.js';

/** A database an operator must fix before anything can run; the message names the problem and the fix. */
export class DatabaseProblem extends Error {
  override name = 'DatabaseProblem';
}

// Failures to connect at all (as opposed to a connection lost mid-way, which says nothing about the URL).
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'CONNECT_TIMEOUT', '57P03']);

/**
 * The operator's sentence for a database error (drizzle's wrapper and its "Failed query" dump
 * skipped), or null when the error is not one of these. `connecting`: the error came from the
 * first statement on a new connection, so a network failure means the database cannot be reached.
 */
export function databaseProblem(err: unknown, connecting = false): string | null {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: string };
    if (typeof code !== 'string') continue;
    if (code === '3D000') return `${message}: create it, or correct the database name in the URL`;
    if (code === '28000' || code === '28P01') return `${message}: check the user and password in the URL`;
    if (code === '42P01') return `the database is not migrated (${message}): run \`anthias migrate\``;
    if (connecting && UNREACHABLE.has(code)) return `cannot reach the database (${code})`;
  }
  return null;
}

/**
 * Checked once at start: the database answers and is migrated, so a bad URL stops the start with
 * one line instead of failing every request. (The embedded database is migrated at start instead.)
 */
export async function assertDatabaseUsable(handle: DatabaseHandle): Promise<void> {
  let migrated: boolean;
  try {
    const [row] = await rows<{ tenants: string | null }>(handle.db, sql`select to_regclass('public.tenants')::text as tenants`);
    migrated = Boolean(row?.tenants);
  } catch (err) {
    throw new DatabaseProblem(databaseProblem(err, true) ?? `the database refused the first statement: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
  if (handle.kind === 'postgres' && !migrated) {
    throw new DatabaseProblem('the database is not migrated (no table "tenants"): run `anthias migrate` with the owner\'s connection');
  }
}
