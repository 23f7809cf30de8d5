import { type AnyColumn, type Placeholder, type SQL, sql } from 'drizzle-orm';
import { type ClassType, Field, Int, ObjectType } from 'type-graphql';
import { textProblem } from '../db/text.js';
import { badInput } from '../errors.js';

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput('first', `must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return first;
}

/**
 * A keyset ordering: one sort column plus the id as tie-breaker, so pages stay stable while rows
 * are inserted. Cursors carry the ordering's name and the row's sort key as PostgreSQL text.
 */
export type Ordering = { name: string; column: AnyColumn; cast: 'timestamptz' | 'int4' | 'text'; direction: 'asc' | 'desc' };

type CursorBody = { o: string; k: string; id: string };
const UUID = /^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i;

const encodeCursor = (ordering: Ordering, key: string, id: string): string =>
  Buffer.from(JSON.stringify({ o: ordering.name, k: key, id } satisfies CursorBody)).toString('base64url');

function decodeCursor(ordering: Ordering, cursor: string): CursorBody {
  let body: Partial<CursorBody> | null;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorBody>;
  } catch {
    body = null;
  }
  const valid =
    body &&
    body.o === ordering.name &&
    typeof body.k === 'string' &&
    typeof body.id === 'string' &&
    UUID.test(body.id) &&
    sortKeyFits(ordering.cast, body.k);
  if (!valid) throw badInput('after', 'is not a cursor of this list and ordering');
  return body as CursorBody;
}

// The text PostgreSQL gives for a timestamptz (what cursors carry): checked here, since
// PostgreSQL's cast accepts far more than JavaScript and refuses some of what Date.parse takes.
const TIMESTAMPTZ = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?([+-]\d{2}(:\d{2}){0,2})$/;
const INT4 = { min: -2_147_483_648, max: 2_147_483_647 };

/** Whether a cursor's sort key is one PostgreSQL reads back as the ordering's type. */
function sortKeyFits(cast: Ordering['cast'], key: string): boolean {
  if (cast === 'int4') return /^-?\d{1,10}$/.test(key) && Number(key) >= INT4.min && Number(key) <= INT4.max;
  if (cast === 'text') return textProblem(key) === null;
  const m = TIMESTAMPTZ.exec(key);
  if (!m) return false;
  const [, y, mo, d, h, mi, se] = m.map(Number) as number[];
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, se!));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo! - 1 && date.getUTCDate() === d && h! < 24 && mi! < 60 && se! < 60;
}

/** The sort key as text (exact, unlike a JS Date) for the next cursor. */
const sortKey = (ordering: Ordering): SQL<string> => sql<string>`${ordering.column}::text`;

function orderBy(ordering: Ordering, id: AnyColumn): SQL[] {
  return ordering.direction === 'asc'
    ? [sql`${ordering.column} asc`, sql`${id} asc`]
    : [sql`${ordering.column} desc`, sql`${id} desc`];
}

/** Rows strictly after the cursor (placeholders `afterKey` and `afterId`), in the ordering's direction. */
function afterCursor(ordering: Ordering, id: AnyColumn): SQL {
  const key = sql`${sql.placeholder('afterKey')}::${sql.raw(ordering.cast)}`;
  const afterId = sql`${sql.placeholder('afterId')}::uuid`;
  return ordering.direction === 'asc' ? sql`(${ordering.column}, ${id}) > (${key}, ${afterId})` : sql`(${ordering.column}, ${id}) < (${key}, ${afterId})`;
}

export type Page<T> = {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: PromiseLike<number>;
};

/**
 * Counts only if a client asks for totalCount: GraphQL awaits a field's value only when the
 * field is selected, and this thenable starts its query on the first `then`.
 */
function lazyCount(count: () => Promise<number>): PromiseLike<number> {
  let started: Promise<number> | undefined;
  return {
    then: (onFulfilled, onRejected) => (started ??= count()).then(onFulfilled, onRejected),
  };
}

/**
 * What a list's query must apply: select `sortKey`, add `where` to its filter, order, limit. Its
 * fragments hold placeholders (the same for every page of a shape, so a caller may build the
 * statement once per shape: `shape` names it); `values` fills them.
 */
export type PageWindow = { sortKey: SQL<string>; where: SQL | undefined; orderBy: SQL[]; limit: Placeholder; shape: string; values: Record<string, unknown> };

/**
 * One page of a keyset-paginated list. The caller's query applies the window; one row more than
 * the page is fetched, only to say whether another page follows.
 */
export async function keysetPage<R extends { id: string; sortKey: string }, T>(
  ordering: Ordering,
  id: AnyColumn,
  args: { first?: number | null; after?: string | null },
  fetch: (window: PageWindow) => Promise<R[]>,
  count: () => Promise<number>,
  toNode: (row: R) => T,
): Promise<Page<T>> {
  const limit = pageSize(args.first);
  const cursor = args.after ? decodeCursor(ordering, args.after) : undefined;
  const fetched = await fetch({
    sortKey: sortKey(ordering),
    where: cursor && afterCursor(ordering, id),
    orderBy: orderBy(ordering, id),
    limit: sql.placeholder('limit'),
    shape: `${ordering.name}${cursor ? ' after' : ''}`,
    values: cursor ? { limit: limit + 1, afterKey: cursor.k, afterId: cursor.id } : { limit: limit + 1 },
  });
  const rows = fetched.slice(0, limit);
  const nodes = rows.map(toNode);
  const last = rows.at(-1);
  return {
    // Edges and their cursors are built only if the client asks for them (most lists read nodes alone).
    get edges() {
      return rows.map((r, i) => ({
        node: nodes[i]!,
        get cursor() {
          return encodeCursor(ordering, r.sortKey, r.id);
        },
      }));
    },
    nodes,
    pageInfo: { hasNextPage: fetched.length > limit, endCursor: last ? encodeCursor(ordering, last.sortKey, last.id) : null },
    totalCount: lazyCount(count),
  };
}

@ObjectType({ description: 'Where a page ends, and whether another follows.' })
export class PageInfo {
  @Field(() => Boolean) hasNextPage: boolean;
  @Field(() => String, { nullable: true, description: 'Pass as `after` to get the next page.' })
  endCursor: string | null;
}

/** A Relay-style connection type for one node type. */
export function Connection<T extends object>(node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field(() => String) cursor: string;
    @Field(() => node) node: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} items.` })
  class ConnectionType {
    @Field(() => [Edge]) edges: Edge[];
    @Field(() => [node], { description: 'The nodes of `edges`, for clients that need no cursors.' }) nodes: T[];
    @Field(() => PageInfo) pageInfo: PageInfo;
    // Holds a thenable (lazyCount): it keeps a resolver, since compiled execution reads a field
    // without one as a plain value and would not wait for it (see markPropertyFieldsSimple).
    @Field(() => Int, { simple: false, description: 'How many items match the filter, over all pages (counted only when asked for).' })
    totalCount: number;
  }
  return ConnectionType;
}
