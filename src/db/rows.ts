import { fillPlaceholders, type Query, SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Database, Tx } from './client.js';

const dialect = new PgDialect();

/**
 * A statement's text and parameters, built once. Drizzle walks an SQL tree into text on every
 * run (its walk was most of drizzle's 8.6 % of a `list` request's CPU); a statement built at
 * load, or once per shape, with `sql.placeholder`s where values go, is run with `rows(db,
 * statement, values)` and pays only for filling its placeholders.
 */
export type Statement = Query;

export const statement = (query: SQL): Statement => dialect.sqlToQuery(query);

/**
 * Runs raw SQL, or a built statement with the values of its placeholders, and returns its rows,
 * whichever driver is underneath. Through the session, so statement counting and tracing see it.
 */
export async function rows<T>(db: Database | Tx, query: SQL | Statement, values: Record<string, unknown> = {}): Promise<T[]> {
  const built = query instanceof SQL ? dialect.sqlToQuery(query) : query;
  const run = { sql: built.sql, params: fillPlaceholders(built.params, values) };
  const result = (await db._.session.prepareQuery(run, undefined, undefined, false).execute()) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
