import { getTableColumns, type InferSelectModel, Param, Placeholder, type Query, SQL, type SQLWrapper, sql, type Table } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { drizzle } from 'drizzle-orm/postgres-js';
import type { Database, Tx } from './client.js';

/** The one dialect that turns drizzle's SQL into text, for built statements and the requests' sessions alike. */
export const dialect = new PgDialect();

/**
 * Drizzle's builders without a connection, for statements built once (`statement(builder…)`):
 * nothing ever runs through it. A placeholder in `values` keeps its column's encoder.
 */
export const builder = drizzle.mock();

/** A placeholder per name, each named after its value (a statement's `values` then fill them). */
export const placeholders = <K extends string>(names: readonly K[]): Record<K, Placeholder<K>> =>
  Object.fromEntries(names.map((name) => [name, sql.placeholder(name)])) as Record<K, Placeholder<K>>;

/**
 * A statement's text and parameters, built once. Drizzle walks an SQL tree into text on every
 * run (its walk was most of drizzle's 8.6 % of a `list` request's CPU); a statement built at
 * load, or once per shape, with `sql.placeholder`s where values go, is run with `rows(db,
 * statement, values)` and pays only for filling its placeholders.
 */
export type Statement = Query;

export const statement = (query: SQLWrapper): Statement => dialect.sqlToQuery(query.getSQL());

/**
 * A table's raw row as drizzle would return it (properties by column, values decoded by each
 * column), for statements run through `rows`.
 */
export function tableRow<T extends Table>(table: T): (raw: Record<string, unknown>) => InferSelectModel<T> {
  const columns = Object.entries(getTableColumns(table));
  return (raw) => {
    const row: Record<string, unknown> = {};
    for (const [property, column] of columns) {
      const value = raw[column.name];
      row[property] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
    }
    return row as InferSelectModel<T>;
  };
}

/**
 * A parameter's value for this run. Like drizzle's fillPlaceholders, except that a null reaches
 * the driver as null, as in drizzle's own SQL building: its fill hands nulls to the column's
 * encoder, and a timestamp's encoder fails on them.
 */
function fill(param: unknown, values: Record<string, unknown>): unknown {
  const placeholder = param instanceof Placeholder ? param : param instanceof Param && param.value instanceof Placeholder ? (param.value as Placeholder) : null;
  if (!placeholder) return param;
  if (!(placeholder.name in values)) throw new Error(`No value for placeholder "${placeholder.name}"`);
  const value = values[placeholder.name];
  if (value === null || value === undefined) return null;
  return param instanceof Param ? param.encoder.mapToDriverValue(value) : value;
}

/**
 * Runs raw SQL, or a built statement with the values of its placeholders, and returns its rows,
 * whichever driver is underneath. Through the session, so statement counting and tracing see it.
 */
export async function rows<T>(db: Database | Tx, query: SQL | Statement, values: Record<string, unknown> = {}): Promise<T[]> {
  const built = query instanceof SQL ? dialect.sqlToQuery(query) : query;
  const run = { sql: built.sql, params: built.params.map((p) => fill(p, values)) };
  const result = (await db._.session.prepareQuery(run, undefined, undefined, false).execute()) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
