import { and, count, eq, ilike, or, type SQL, sql } from 'drizzle-orm';
import { DEVICE_KEY_CACHE } from '../../auth/device-key-auth.js';
import { actingUserId } from '../../auth/principal.js';
import { mintKey } from '../../auth/tokens.js';
import { containsPattern } from '../../db/like.js';
import { devices } from '../../db/schema/index.js';
import { badInput, notFound } from '../../errors.js';
import type { TenantContext } from '../../tenancy/context.js';
import { keysetPage, type Ordering, type Page } from '../../graphql/pagination.js';
import { LABEL } from '../assets/asset.validation.js';
import { isValidTimeZone } from '../assets/schedule.js';
import { recordAudit } from '../audit/audit.service.js';
import { diff } from '../audit/diff.js';
import { assertQuota } from '../tenants/quota.js';
import { dropPlaylists } from './playlist-cache.js';
import { type CreateDeviceInput, type Device, type DeviceFilter, DeviceStatus, type DeviceWithKey, type UpdateDeviceInput } from './device.type.js';

export type DeviceRow = typeof devices.$inferSelect;
type DeviceFields = { name: string; location: string | null; timezone: string | null; labels: string[] };

const NEWEST_FIRST: Ordering = { name: 'devices.createdAt.desc', column: devices.createdAt, cast: 'timestamptz', direction: 'desc' };
const AUDITED = ['name', 'location', 'timezone', 'labels', 'keyPrefix'] as const;

export function toDevice(row: DeviceRow, offlineAfterSeconds: number): Device {
  const online = row.lastSeenAt !== null && Date.now() - row.lastSeenAt.getTime() < offlineAfterSeconds * 1000;
  return {
    id: row.id,
    name: row.name,
    location: row.location,
    timezone: row.timezone,
    labels: row.labels,
    status: online ? DeviceStatus.ONLINE : DeviceStatus.OFFLINE,
    lastSeenAt: row.lastSeenAt,
    playerVersion: row.playerVersion,
    lastAddress: row.lastAddress,
    keyPrefix: row.keyPrefix,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function validateDevice(d: DeviceFields): DeviceFields {
  const name = d.name.trim();
  if (!name || name.length > 100) throw badInput('name', 'must be 1 to 100 characters');
  if (d.location !== null && d.location.length > 200) throw badInput('location', 'must be at most 200 characters');
  if (d.timezone !== null && !isValidTimeZone(d.timezone)) throw badInput('timezone', 'is not an IANA time zone');
  if (d.labels.length > 20 || d.labels.some((l) => !LABEL.test(l))) {
    throw badInput('labels', 'at most 20 labels of lowercase letters, digits and . _ : -');
  }
  return { ...d, name, labels: [...new Set(d.labels)].sort() };
}

const offlineAfter = (ctx: TenantContext) => ctx.deps.config.devices.offlineAfterSeconds;

export async function listDevices(ctx: TenantContext, filter: DeviceFilter | undefined, first?: number | null, after?: string | null): Promise<Page<Device>> {
  const fresh = sql`${devices.lastSeenAt} > now() - make_interval(secs => ${offlineAfter(ctx)})`;
  const conditions: (SQL | undefined)[] = [
    filter?.status === DeviceStatus.ONLINE ? fresh : undefined,
    filter?.status === DeviceStatus.OFFLINE ? sql`not coalesce(${fresh}, false)` : undefined,
    filter?.label ? sql`${filter.label} = any(${devices.labels})` : undefined,
    filter?.search ? or(ilike(devices.name, containsPattern(filter.search)), ilike(devices.location, containsPattern(filter.search))) : undefined,
  ];
  const where = and(...conditions);
  const tx = await ctx.db.get();
  return keysetPage(
    NEWEST_FIRST,
    devices.id,
    { first, after },
    (w) => tx.select({ row: devices, id: devices.id, sortKey: w.sortKey }).from(devices).where(and(where, w.where)).orderBy(...w.orderBy).limit(w.limit).execute(w.values),
    async () => (await tx.select({ n: count() }).from(devices).where(where))[0]?.n ?? 0,
    (r) => toDevice(r.row, offlineAfter(ctx)),
  );
}

export async function getDevice(ctx: TenantContext, id: string): Promise<Device | null> {
  const tx = await ctx.db.get();
  const [row] = await tx.select().from(devices).where(eq(devices.id, id));
  return row ? toDevice(row, offlineAfter(ctx)) : null;
}

/** Creates the device with a fresh key; createDevice and claimDevice both come here. */
export async function insertDevice(ctx: TenantContext, input: CreateDeviceInput, action: string): Promise<DeviceWithKey> {
  const fields = validateDevice({
    name: input.name,
    location: input.location ?? null,
    timezone: input.timezone ?? null,
    labels: input.labels ?? [],
  });
  await assertQuota(ctx, 'devices');
  const { key, prefix, hash } = mintKey('dk');
  const tx = await ctx.db.get();
  const [row] = await tx
    .insert(devices)
    .values({ ...fields, tenantId: ctx.tenant.id, keyPrefix: prefix, keyHash: hash, createdBy: actingUserId(ctx.principal) })
    .returning();
  await recordAudit(ctx, { action, targetType: 'device', targetId: row!.id, changes: diff(null, row!, AUDITED) });
  return { device: toDevice(row!, offlineAfter(ctx)), deviceKey: key };
}

export const createDevice = (ctx: TenantContext, input: CreateDeviceInput) => insertDevice(ctx, input, 'device.create');

async function lockDevice(ctx: TenantContext, id: string): Promise<DeviceRow> {
  const tx = await ctx.db.get();
  const [row] = await tx.select().from(devices).where(eq(devices.id, id)).for('update');
  if (!row) throw notFound('Device');
  return row;
}

export async function updateDevice(ctx: TenantContext, id: string, input: UpdateDeviceInput): Promise<Device> {
  const before = await lockDevice(ctx, id);
  if (input.name === null) throw badInput('name', 'cannot be null');
  if (input.labels === null) throw badInput('labels', 'cannot be null');
  const fields = validateDevice({
    name: input.name ?? before.name,
    location: input.location === undefined ? before.location : input.location,
    timezone: input.timezone === undefined ? before.timezone : input.timezone,
    labels: input.labels ?? before.labels,
  });
  const tx = await ctx.db.get();
  const [after] = await tx.update(devices).set({ ...fields, updatedAt: new Date() }).where(eq(devices.id, id)).returning();
  await recordAudit(ctx, { action: 'device.update', targetType: 'device', targetId: id, changes: diff(before, after!, AUDITED) });
  await dropPlaylists(ctx);
  return toDevice(after!, offlineAfter(ctx));
}

/** Rotation and deletion kill the old key at once: every instance drops its cached copy. */
async function forgetKey(ctx: TenantContext, prefix: string | null): Promise<void> {
  await dropPlaylists(ctx);
  if (prefix) await ctx.deps.bus.announce(DEVICE_KEY_CACHE, [prefix], await ctx.db.get());
}

export async function deleteDevice(ctx: TenantContext, id: string): Promise<string> {
  const tx = await ctx.db.get();
  const [before] = await tx.delete(devices).where(eq(devices.id, id)).returning();
  if (!before) throw notFound('Device');
  await recordAudit(ctx, { action: 'device.delete', targetType: 'device', targetId: id, changes: diff(before, null, AUDITED) });
  await forgetKey(ctx, before.keyPrefix);
  return id;
}

export async function rotateDeviceKey(ctx: TenantContext, id: string): Promise<DeviceWithKey> {
  const before = await lockDevice(ctx, id);
  const { key, prefix, hash } = mintKey('dk');
  const tx = await ctx.db.get();
  const [after] = await tx
    .update(devices)
    .set({ keyPrefix: prefix, keyHash: hash, updatedAt: new Date() })
    .where(eq(devices.id, id))
    .returning();
  await recordAudit(ctx, { action: 'device.rotate_key', targetType: 'device', targetId: id, changes: diff(before, after!, ['keyPrefix']) });
  await forgetKey(ctx, before.keyPrefix);
  return { device: toDevice(after!, offlineAfter(ctx)), deviceKey: key };
}
