import { createHash } from 'node:crypto';
import { and, asc, eq, gt, isNotNull, sql } from 'drizzle-orm';
import { assets, devices } from '../../db/schema/index.js';
import { AppError, badInput } from '../../errors.js';
import type { TenantContext } from '../../tenancy/context.js';
import { recordAudit } from '../audit/audit.service.js';
import { isActiveAt, nextChangeAt } from '../assets/schedule.js';
import { tenantTimeZone } from '../tenants/tenant.service.js';
import { DeviceStatus } from './device.type.js';
import { type CachedPlaylist, readPlaylist, writePlaylist } from './playlist-cache.js';
import type { HeartbeatInput, HeartbeatResult, Playlist, PlaylistItem } from './playlist.type.js';

function callingDevice(ctx: TenantContext): string {
  if (ctx.principal?.kind !== 'device') throw new AppError('FORBIDDEN', 'Only a device key may do this');
  return ctx.principal.deviceId;
}

/**
 * The device's active assets now, from the per-device cache when it is current. Otherwise the
 * candidates (enabled, dated, not yet ended, label-matched) come from SQL and the schedule is
 * evaluated in the device's time zone, which also yields when the set next changes. The etag is
 * a hash of exactly the assets returned.
 */
export async function devicePlaylist(ctx: TenantContext, ifNoneMatch?: string | null, at = new Date()): Promise<Playlist> {
  const deviceId = callingDevice(ctx);
  const tenantId = ctx.tenant.id;
  const { hit, gen } = await readPlaylist(ctx.deps.store, tenantId, deviceId);
  const playlist = hit ?? (await computePlaylist(ctx, deviceId, gen, at));
  const notModified = ifNoneMatch === playlist.etag;
  return {
    etag: playlist.etag,
    notModified,
    assets: notModified ? null : playlist.items,
    nextChangeAt: playlist.nextChangeAt === null ? null : new Date(playlist.nextChangeAt),
    serverTime: at,
    timezone: playlist.timezone,
  };
}

async function computePlaylist(ctx: TenantContext, deviceId: string, gen: string | null, at: Date): Promise<Omit<CachedPlaylist, 'validUntil'>> {
  const tx = await ctx.db.get();
  const [device] = await tx.select({ timezone: devices.timezone, labels: devices.labels }).from(devices).where(eq(devices.id, deviceId));
  if (!device) throw new AppError('UNAUTHENTICATED', 'This device no longer exists');
  const timezone = device.timezone ?? (await tenantTimeZone(ctx));
  const candidates = await tx
    .select()
    .from(assets)
    .where(
      and(
        eq(assets.isEnabled, true),
        isNotNull(assets.startDate),
        gt(assets.endDate, at),
        sql`(${assets.labels} = '{}'::text[] or ${assets.labels} && ${sql.param(device.labels)}::text[])`,
      ),
    )
    .orderBy(asc(assets.playOrder), asc(assets.id));

  const items: PlaylistItem[] = candidates
    .filter((a) => isActiveAt(a, at, timezone))
    .map((a) => ({
      id: a.id, name: a.name, uri: a.uri, mimetype: a.mimetype, duration: a.duration, md5: a.md5,
      nocache: a.nocache, skipAssetCheck: a.skipAssetCheck, playOrder: a.playOrder,
    }));
  const changes = candidates.map((a) => nextChangeAt(a, at, timezone)?.getTime()).filter((t): t is number => t !== undefined);
  const entry = {
    gen,
    etag: `"${createHash('sha256').update(JSON.stringify(items)).digest('base64url').slice(0, 27)}"`,
    items,
    nextChangeAt: changes.length ? Math.min(...changes) : null,
    timezone,
  };
  await writePlaylist(ctx.deps.store, ctx.tenant.id, deviceId, entry, at.getTime());
  return entry;
}

/**
 * Records that the device is alive. Heartbeats are telemetry, not changes: the audit trail
 * gets a row only when one means something (back online, a new player version).
 */
export async function deviceHeartbeat(ctx: TenantContext, input: HeartbeatInput): Promise<HeartbeatResult> {
  const deviceId = callingDevice(ctx);
  const version = input.playerVersion?.trim() || null;
  if (version && version.length > 64) throw badInput('playerVersion', 'must be at most 64 characters');
  const tx = await ctx.db.get();
  const [before] = await tx
    .select({ lastSeenAt: devices.lastSeenAt, playerVersion: devices.playerVersion })
    .from(devices)
    .where(eq(devices.id, deviceId))
    .for('update');
  if (!before) throw new AppError('UNAUTHENTICATED', 'This device no longer exists');
  const now = new Date();
  await tx
    .update(devices)
    .set({ lastSeenAt: now, lastAddress: ctx.client.ip, ...(version ? { playerVersion: version } : {}) })
    .where(eq(devices.id, deviceId));
  const offlineMs = ctx.deps.config.devices.offlineAfterSeconds * 1000;
  const wasOffline = !before.lastSeenAt || now.getTime() - before.lastSeenAt.getTime() >= offlineMs;
  if (wasOffline) {
    await recordAudit(ctx, { action: 'device.online', targetType: 'device', targetId: deviceId, changes: { lastSeenAt: { before: before.lastSeenAt?.toISOString() ?? null, after: now.toISOString() } } });
  }
  if (version && version !== before.playerVersion) {
    await recordAudit(ctx, { action: 'device.version', targetType: 'device', targetId: deviceId, changes: { playerVersion: { before: before.playerVersion, after: version } } });
  }
  return { serverTime: now, status: DeviceStatus.ONLINE };
}
