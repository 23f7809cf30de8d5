import { count, eq, sql } from 'drizzle-orm';
import QRCode from 'qrcode';
import { actingUserId } from '../../auth/principal.js';
import { LocalCache } from '../../cache/local-cache.js';
import { hasControlCharacter } from '../../db/text.js';
import type { Database } from '../../db/client.js';
import { rows } from '../../db/rows.js';
import { assets, qrContents } from '../../db/schema/index.js';
import { badInput, notFound } from '../../errors.js';
import type { TenantContext } from '../../tenancy/context.js';
import { requireId } from '../../graphql/ids.js';
import { keysetPage, type Ordering, type Page } from '../../graphql/pagination.js';
import { recordAudit } from '../audit/audit.service.js';
import { diff } from '../audit/diff.js';
import { newQrCode } from './qr-code.js';
import type { CreateQrContentInput, QrContent, UpdateQrContentInput } from './qr.type.js';

const NEWEST_FIRST: Ordering = { name: 'qr.createdAt.desc', column: qrContents.createdAt, cast: 'timestamptz', direction: 'desc' };
const AUDITED = ['name', 'targetUrl', 'assetId', 'code'] as const;

type QrRow = typeof qrContents.$inferSelect;
const toQr = (r: QrRow): QrContent => r;

export const shortUrl = (ctx: TenantContext, code: string): string => `${ctx.deps.config.publicUrl}/q/${code}`;

// Rendering is CPU work and a code's link never changes: keep what was drawn (content-addressed).
const rendered = new LocalCache<string>(3_600_000, 2_000);

/** The QR code of the counted short link, as SVG (rendered by the qrcode library, once per link). */
export async function qrSvg(url: string): Promise<string> {
  return (await rendered.getOrLoad(url, () => QRCode.toString(url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' })))!;
}

/**
 * A target as a redirect can carry it: parsed and serialised by the WHATWG URL rules, so
 * characters outside ASCII are percent-encoded (IDN hosts punycoded).
 */
export function normaliseTarget(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

function checkUrl(value: string): string {
  // A URL parser would drop some control characters silently: refused rather than altered.
  if (hasControlCharacter(value)) throw badInput('targetUrl', 'must not contain control characters');
  const href = normaliseTarget(value);
  if (href === null) throw badInput('targetUrl', 'must be a valid http or https URL');
  if (href.length > 2048) throw badInput('targetUrl', 'must be at most 2048 characters');
  return href;
}

const checkName = (value: string): string => {
  const name = value.trim();
  if (!name || name.length > 200) throw badInput('name', 'must be 1 to 200 characters');
  return name;
};

async function checkAsset(ctx: TenantContext, assetId: string | null): Promise<string | null> {
  if (assetId === null) return null;
  const id = requireId('assetId', assetId);
  const tx = await ctx.db.get();
  const [found] = await tx.select({ id: assets.id }).from(assets).where(eq(assets.id, id));
  if (!found) throw badInput('assetId', 'is not an asset of this organisation');
  return id;
}

export async function listQrContents(ctx: TenantContext, first?: number | null, after?: string | null): Promise<Page<QrContent>> {
  const tx = await ctx.db.get();
  return keysetPage(
    NEWEST_FIRST,
    qrContents.id,
    { first, after },
    (w) => tx.select({ row: qrContents, id: qrContents.id, sortKey: w.sortKey }).from(qrContents).where(w.where).orderBy(...w.orderBy).limit(w.limit).execute(w.values),
    async () => (await tx.select({ n: count() }).from(qrContents))[0]?.n ?? 0,
    (r) => toQr(r.row),
  );
}

export async function getQrContent(ctx: TenantContext, id: string): Promise<QrContent | null> {
  const tx = await ctx.db.get();
  const [row] = await tx.select().from(qrContents).where(eq(qrContents.id, id));
  return row ? toQr(row) : null;
}

export async function createQrContent(ctx: TenantContext, input: CreateQrContentInput): Promise<QrContent> {
  const values = {
    name: checkName(input.name),
    targetUrl: checkUrl(input.targetUrl),
    assetId: await checkAsset(ctx, input.assetId ?? null),
  };
  const tx = await ctx.db.get();
  // Codes are unique platform-wide; a clash (one in 2^47 per pair) just draws again.
  for (let attempt = 0; attempt < 5; attempt++) {
    const code = newQrCode();
    const [row] = await tx
      .insert(qrContents)
      .values({ ...values, code, tenantId: ctx.tenant.id, createdBy: actingUserId(ctx.principal) })
      .onConflictDoNothing({ target: qrContents.code })
      .returning();
    if (row) {
      await recordAudit(ctx, { action: 'qr.create', targetType: 'qr_content', targetId: row.id, changes: diff(null, row, AUDITED) });
      return toQr(row);
    }
  }
  throw new Error('could not allocate a QR code');
}

export async function updateQrContent(ctx: TenantContext, id: string, input: UpdateQrContentInput): Promise<QrContent> {
  const tx = await ctx.db.get();
  const [before] = await tx.select().from(qrContents).where(eq(qrContents.id, id)).for('update');
  if (!before) throw notFound('QR content');
  if (input.name === null) throw badInput('name', 'cannot be null');
  if (input.targetUrl === null) throw badInput('targetUrl', 'cannot be null');
  const [after] = await tx
    .update(qrContents)
    .set({
      name: input.name === undefined ? before.name : checkName(input.name),
      targetUrl: input.targetUrl === undefined ? before.targetUrl : checkUrl(input.targetUrl),
      assetId: input.assetId === undefined ? before.assetId : await checkAsset(ctx, input.assetId),
      updatedAt: new Date(),
    })
    .where(eq(qrContents.id, id))
    .returning();
  await recordAudit(ctx, { action: 'qr.update', targetType: 'qr_content', targetId: id, changes: diff(before, after!, AUDITED) });
  return toQr(after!);
}

export async function deleteQrContent(ctx: TenantContext, id: string): Promise<string> {
  const tx = await ctx.db.get();
  const [before] = await tx.delete(qrContents).where(eq(qrContents.id, id)).returning();
  if (!before) throw notFound('QR content');
  await recordAudit(ctx, { action: 'qr.delete', targetType: 'qr_content', targetId: id, changes: diff(before, null, AUDITED) });
  return id;
}

const NOT_REDIRECTED = Symbol('not redirected');

/**
 * Counts one scan and returns where to redirect, or null for an unknown code. The count commits
 * only with a target the redirect can carry, so a scan that is not redirected is not counted.
 */
export async function scanQrCode(db: Database, code: string): Promise<string | null> {
  try {
    return await db.transaction(async (tx) => {
      const [row] = await rows<{ target: string | null }>(tx, sql`select anthias_qr_scan(${code}) as target`);
      const target = row?.target ? normaliseTarget(row.target) : null;
      if (target === null) throw NOT_REDIRECTED;
      return target;
    });
  } catch (err) {
    if (err === NOT_REDIRECTED) return null;
    throw err;
  }
}
