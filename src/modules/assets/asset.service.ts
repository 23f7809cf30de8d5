import { and, count, eq, ilike, inArray, type Placeholder, type SQL, sql } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';
import { actingUserId } from '../../auth/principal.js';
import { containsPattern } from '../../db/like.js';
import { builder, placeholders, rows, type Statement, statement, tableRow } from '../../db/rows.js';
import { assets } from '../../db/schema/index.js';
import { badInput, notFound } from '../../errors.js';
import type { TenantContext } from '../../tenancy/context.js';
import { keysetPage, type Ordering, type Page } from '../../graphql/pagination.js';
import { recordAudit } from '../audit/audit.service.js';
import { diff } from '../audit/diff.js';
import { dropPlaylists } from '../devices/playlist-cache.js';
import { checkQuota } from '../tenants/quota.js';
import { tenantTimeZone } from '../tenants/tenant.service.js';
import { asAudited, AUDITED } from './asset.audit.js';
import type { AssetFilter, CreateAssetInput, UpdateAssetInput } from './asset.input.js';
import { type Asset, AssetOrder } from './asset.type.js';
import { type AssetFields, toHhMm, validateAsset } from './asset.validation.js';

type AssetRow = typeof assets.$inferSelect;

const ORDERINGS: Record<AssetOrder, Ordering> = {
  [AssetOrder.CREATED_AT_DESC]: { name: 'assets.createdAt.desc', column: assets.createdAt, cast: 'timestamptz', direction: 'desc' },
  [AssetOrder.CREATED_AT_ASC]: { name: 'assets.createdAt.asc', column: assets.createdAt, cast: 'timestamptz', direction: 'asc' },
  [AssetOrder.PLAY_ORDER_ASC]: { name: 'assets.playOrder.asc', column: assets.playOrder, cast: 'int4', direction: 'asc' },
  [AssetOrder.NAME_ASC]: { name: 'assets.name.asc', column: assets.name, cast: 'text', direction: 'asc' },
};

export function toAsset(row: AssetRow): Asset {
  return {
    ...row,
    playTimeFrom: toHhMm(row.playTimeFrom),
    playTimeTo: toHhMm(row.playTimeTo),
    createdById: row.createdBy,
    updatedById: row.updatedBy,
  };
}

/**
 * Active at `at` in `timeZone`: the SQL twin of schedule.ts's isActiveAt, so the filter can page
 * and count in the database (test/modules/devices/schedule.test.ts holds both to the same cases).
 * Either may be a placeholder (`at` then takes the instant as ISO text).
 */
export function activeAt(at: Date | Placeholder, timeZone: string | Placeholder): SQL {
  const instant = sql`${at instanceof Date ? at.toISOString() : at}::timestamptz`;
  const local = sql`(${instant} at time zone ${timeZone})`;
  const dow = sql`extract(isodow from ${local})::smallint`;
  const time = sql`${local}::time`;
  const previous = sql`((extract(isodow from ${local})::int + 5) % 7 + 1)::smallint`;
  return sql`(${assets.isEnabled} and ${assets.startDate} < ${instant} and ${assets.endDate} > ${instant} and case
    when ${assets.playTimeFrom} is null or ${assets.playTimeTo} is null then ${dow} = any(${assets.playDays})
    when ${assets.playTimeFrom} < ${assets.playTimeTo} then ${dow} = any(${assets.playDays})
      and ${time} >= ${assets.playTimeFrom} and ${time} < ${assets.playTimeTo}
    else (${dow} = any(${assets.playDays}) and ${time} >= ${assets.playTimeFrom})
      or (${previous} = any(${assets.playDays}) and ${time} < ${assets.playTimeTo}) end)`;
}

/** The columns each Asset field reads (the id is always read); isActive evaluates the schedule. */
const SCHEDULE = ['is_enabled', 'start_date', 'end_date', 'play_days', 'play_time_from', 'play_time_to'];
const FIELD_COLUMNS: Record<string, string[]> = {
  name: ['name'], uri: ['uri'], md5: ['md5'], mimetype: ['mimetype'], duration: ['duration'],
  startDate: ['start_date'], endDate: ['end_date'], isEnabled: ['is_enabled'], isProcessing: ['is_processing'],
  nocache: ['nocache'], playOrder: ['play_order'], skipAssetCheck: ['skip_asset_check'], playDays: ['play_days'],
  playTimeFrom: ['play_time_from'], playTimeTo: ['play_time_to'], labels: ['labels'], createdAt: ['created_at'],
  updatedAt: ['updated_at'], createdBy: ['created_by'], updatedBy: ['updated_by'], isActive: SCHEDULE,
};
const ALL_COLUMNS = [...new Set(Object.values(FIELD_COLUMNS).flat())];
/** column → Asset property; timestamps may come as PostgreSQL text (drizzle sets the driver so). */
const FROM_COLUMN: Record<string, [keyof Asset, (v: unknown) => unknown]> = Object.fromEntries(
  ALL_COLUMNS.map((column) => {
    const key = column.replace(/_(\w)/g, (_m, c: string) => c.toUpperCase());
    const timestamp = column.endsWith('_date') || column.endsWith('_at');
    const time = column.startsWith('play_time_');
    const read = timestamp ? (v: unknown) => (typeof v === 'string' ? new Date(v) : v) : time ? (v: unknown) => toHhMm(v as string | null) : (v: unknown) => v;
    const property = column === 'created_by' ? 'createdById' : column === 'updated_by' ? 'updatedById' : key;
    return [column, [property as keyof Asset, read]];
  }),
);

/** The filter as placeholders, the same for every request of its shape. */
function filterCondition(filter: AssetFilter | undefined): SQL | undefined {
  const conditions: (SQL | undefined)[] = [
    filter?.enabled === undefined || filter.enabled === null ? undefined : eq(assets.isEnabled, sql.placeholder('enabled')),
    filter?.mimetype ? eq(assets.mimetype, sql.placeholder('mimetype')) : undefined,
    filter?.search ? ilike(assets.name, sql.placeholder('search')) : undefined,
  ];
  if (filter?.active !== undefined && filter.active !== null) {
    const active = activeAt(sql.placeholder('at'), sql.placeholder('timeZone'));
    conditions.push(filter.active ? active : sql`not ${active}`);
  }
  return and(...conditions);
}

/**
 * A list statement per shape (ordering, cursor or not, filters given, columns read), built once.
 * Columns come from clients' selections, so the shapes are bounded by an LRU, not by the code.
 */
const PAGE_STATEMENTS = new LRUCache<string, Statement>({ max: 500 });

/**
 * One page of assets, read raw: only the columns the request's fields need (`fields`, from the
 * selection; all when not given), through a statement built once per shape, without the ORM's
 * per-row mapping. The Asset it returns holds only those fields; GraphQL reads no others.
 */
export async function listAssets(
  ctx: TenantContext,
  filter: AssetFilter | undefined,
  first: number | null | undefined,
  after: string | null | undefined,
  order: AssetOrder | null | undefined,
  fields?: ReadonlySet<string>,
): Promise<Page<Asset>> {
  // GraphQL applies an argument's default only when it is absent: an explicit null means the default too.
  const ordering = ORDERINGS[order ?? AssetOrder.CREATED_AT_DESC];
  const values: Record<string, unknown> = {
    enabled: filter?.enabled,
    mimetype: filter?.mimetype || undefined,
    search: filter?.search ? containsPattern(filter.search) : undefined,
  };
  const active = filter?.active;
  if (active !== undefined && active !== null) Object.assign(values, { at: new Date().toISOString(), timeZone: await tenantTimeZone(ctx) });
  const columns = fields ? [...new Set([...fields].flatMap((f) => FIELD_COLUMNS[f] ?? []))].sort() : ALL_COLUMNS;
  const readers = columns.map((c) => [c, ...FROM_COLUMN[c]!] as const);
  const filterShape = `${values.enabled == null ? '-' : 'e'}${values.mimetype ? 'm' : '-'}${values.search ? 's' : '-'}${active ?? '-'}`;
  const tx = await ctx.db.get();
  return keysetPage(
    ordering,
    assets.id,
    { first, after },
    (w) => {
      const key = `${w.shape}|${filterShape}|${columns.join(',')}`;
      let page = PAGE_STATEMENTS.get(key);
      if (!page) {
        const list = sql.raw(['id', ...columns].map((c) => `"${c}"`).join(', '));
        const where = and(filterCondition(filter), w.where) ?? sql`true`;
        page = statement(sql`select ${list}, ${w.sortKey} as "sortKey" from ${assets} where ${where} order by ${sql.join(w.orderBy, sql`, `)} limit ${w.limit}`);
        PAGE_STATEMENTS.set(key, page);
      }
      return rows<Record<string, unknown> & { id: string; sortKey: string }>(tx, page, { ...values, ...w.values });
    },
    async () => {
      const [row] = await rows<{ n: number }>(tx, sql`select count(*)::int as n from ${assets} where ${filterCondition(filter) ?? sql`true`}`, values);
      return row?.n ?? 0;
    },
    (r) => {
      const asset = { id: r.id } as unknown as Record<string, unknown>;
      for (const [column, property, read] of readers) asset[property] = read(r[column]);
      return asset as unknown as Asset;
    },
  );
}

export async function getAsset(ctx: TenantContext, id: string): Promise<Asset | null> {
  const tx = await ctx.db.get();
  const [row] = await tx.select().from(assets).where(eq(assets.id, id));
  return row ? toAsset(row) : null;
}

export async function createAsset(ctx: TenantContext, input: CreateAssetInput): Promise<Asset> {
  const fields = validateAsset({
    name: input.name,
    uri: input.uri,
    mimetype: input.mimetype,
    duration: input.duration ?? 10,
    md5: input.md5 ?? null,
    startDate: input.startDate ?? null,
    endDate: input.endDate ?? null,
    isEnabled: input.isEnabled ?? false,
    isProcessing: input.isProcessing ?? false,
    nocache: input.nocache ?? false,
    skipAssetCheck: input.skipAssetCheck ?? false,
    playDays: input.playDays ?? [1, 2, 3, 4, 5, 6, 7],
    playTimeFrom: input.playTimeFrom ?? null,
    playTimeTo: input.playTimeTo ?? null,
    labels: input.labels ?? [],
  });
  const tx = await ctx.db.get();
  const userId = actingUserId(ctx.principal);
  // The quota's lock and count, then the insert: one write, run in that order (a refusal rolls the insert back).
  const [, [raw]] = await Promise.all([
    checkQuota(tx, ctx.tenant.id, 'assets'),
    rows<Record<string, unknown>>(tx, INSERT_ASSET, { ...fields, tenantId: ctx.tenant.id, userId }),
  ]);
  const row = assetRow(raw!);
  // Independent rows of one transaction: sent together, one write and one round trip.
  await Promise.all([
    dropPlaylists(ctx),
    recordAudit(ctx, { action: 'asset.create', targetType: 'asset', targetId: row.id, changes: diff(null, row, AUDITED) }),
  ]);
  return toAsset(row);
}

/** Every field a create writes (a Record, so a field added to AssetFields cannot be missed). */
const INSERTED: Record<keyof AssetFields, true> = {
  name: true, uri: true, mimetype: true, duration: true, md5: true, startDate: true, endDate: true, isEnabled: true,
  isProcessing: true, nocache: true, skipAssetCheck: true, playDays: true, playTimeFrom: true, playTimeTo: true, labels: true,
};
const INSERT_ASSET = statement(
  builder
    .insert(assets)
    .values({
      ...placeholders(Object.keys(INSERTED) as (keyof AssetFields)[]),
      tenantId: sql.placeholder('tenantId'),
      // Appended to the playlist; RLS limits the max to this tenant's assets.
      playOrder: sql`(select coalesce(max(${assets.playOrder}) + 1, 0) from ${assets})`,
      createdBy: sql.placeholder('userId'),
      updatedBy: sql.placeholder('userId'),
    })
    .returning(),
);
const assetRow = tableRow(assets);

/** Omitted (undefined) keeps the current value; null clears a nullable field. */
const pick = <T>(given: T | null | undefined, current: T, nullable: boolean): T => {
  if (given === undefined) return current;
  if (given === null) return (nullable ? null : current) as T;
  return given;
};

export async function updateAsset(ctx: TenantContext, id: string, input: UpdateAssetInput): Promise<Asset> {
  const tx = await ctx.db.get();
  const [before] = await tx.select().from(assets).where(eq(assets.id, id)).for('update');
  if (!before) throw notFound('Asset');
  for (const field of ['name', 'uri', 'mimetype', 'duration', 'isEnabled', 'isProcessing', 'nocache', 'skipAssetCheck', 'playDays', 'labels'] as const) {
    if (input[field] === null) throw badInput(field, 'cannot be null');
  }
  const merged: AssetFields = validateAsset({
    name: pick(input.name, before.name, false),
    uri: pick(input.uri, before.uri, false),
    mimetype: pick(input.mimetype, before.mimetype, false),
    duration: pick(input.duration, before.duration, false),
    md5: pick(input.md5, before.md5, true),
    startDate: pick(input.startDate, before.startDate, true),
    endDate: pick(input.endDate, before.endDate, true),
    isEnabled: pick(input.isEnabled, before.isEnabled, false),
    isProcessing: pick(input.isProcessing, before.isProcessing, false),
    nocache: pick(input.nocache, before.nocache, false),
    skipAssetCheck: pick(input.skipAssetCheck, before.skipAssetCheck, false),
    playDays: pick(input.playDays, before.playDays, false),
    playTimeFrom: pick(input.playTimeFrom, toHhMm(before.playTimeFrom), true),
    playTimeTo: pick(input.playTimeTo, toHhMm(before.playTimeTo), true),
    labels: pick(input.labels, before.labels, false),
  });
  const [after] = await tx
    .update(assets)
    .set({ ...merged, updatedBy: actingUserId(ctx.principal), updatedAt: new Date() })
    .where(eq(assets.id, id))
    .returning();
  const changes = diff(asAudited(before), asAudited(after!), AUDITED);
  await dropPlaylists(ctx);
  await recordAudit(ctx, { action: 'asset.update', targetType: 'asset', targetId: id, changes });
  return toAsset(after!);
}

export async function deleteAsset(ctx: TenantContext, id: string): Promise<string> {
  const tx = await ctx.db.get();
  const [before] = await tx.delete(assets).where(eq(assets.id, id)).returning();
  if (!before) throw notFound('Asset');
  await dropPlaylists(ctx);
  await recordAudit(ctx, { action: 'asset.delete', targetType: 'asset', targetId: id, changes: diff(before, null, AUDITED) });
  return id;
}

/**
 * The listed assets take positions 0…n-1 in that order; the others follow in their current
 * order. Every id must be one of this organisation's assets, or nothing changes.
 */
export async function reorderAssets(ctx: TenantContext, ids: string[]): Promise<Asset[]> {
  if (!ids.length) throw badInput('ids', 'must list at least one asset');
  if (new Set(ids).size !== ids.length) throw badInput('ids', 'must not repeat an asset');
  const tx = await ctx.db.get();
  const [found] = await tx.select({ n: count() }).from(assets).where(inArray(assets.id, ids));
  if ((found?.n ?? 0) !== ids.length) throw notFound('Asset');
  const idList = sql`array[${sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `)}]`;
  await tx.execute(sql`
    with wanted as (select w.id, w.ord from unnest(${idList}) with ordinality as w(id, ord)),
    ranked as (
      select a.id, (row_number() over (order by w.ord nulls last, a.play_order, a.created_at, a.id) - 1)::int as pos
      from ${assets} a left join wanted w on w.id = a.id
    )
    update ${assets} set play_order = ranked.pos, updated_at = now()
    from ranked where ${assets.id} = ranked.id and ${assets.playOrder} <> ranked.pos`);
  await dropPlaylists(ctx);
  await recordAudit(ctx, { action: 'asset.reorder', targetType: 'asset', targetId: null, changes: { order: { after: ids } } });
  const reordered = await tx.select().from(assets).where(inArray(assets.id, ids));
  const byId = new Map(reordered.map((r) => [r.id, r]));
  return ids.map((id) => toAsset(byId.get(id)!));
}
