import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { desc, eq } from 'drizzle-orm';
import { tenantDomains } from '../../db/schema/index.js';
import { badInput, notFound } from '../../errors.js';
import type { TenantContext } from '../../tenancy/context.js';
import { recordAudit } from '../audit/audit.service.js';
import type { Domain } from './domain.type.js';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
type DomainRow = typeof tenantDomains.$inferSelect;

const recordName = (hostname: string) => `_anthias-verification.${hostname}`;

function toDomain(row: DomainRow): Domain {
  return {
    id: row.id,
    hostname: row.hostname,
    verified: row.verifiedAt !== null,
    verifiedAt: row.verifiedAt,
    verificationRecord: { type: 'TXT', name: recordName(row.hostname), value: `anthias-verification=${row.verificationToken}` },
    createdAt: row.createdAt,
  };
}

function checkHostname(ctx: TenantContext, raw: string): string {
  const hostname = raw.trim().toLowerCase().replace(/\.$/, '');
  const labels = hostname.split('.');
  if (hostname.length > 253 || labels.length < 2 || !labels.every((l) => LABEL.test(l)) || isIP(hostname) || /^\d+$/.test(labels.at(-1)!)) {
    throw badInput('hostname', 'must be a fully qualified domain name such as signs.example.com');
  }
  const base = ctx.deps.config.baseDomain;
  if (hostname === base || hostname.endsWith(`.${base}`)) throw badInput('hostname', `must not be under the platform domain ${base}`);
  return hostname;
}

/** Cached resolutions by this hostname are dropped, on every instance, when the change commits. */
async function dropCachedResolution(ctx: TenantContext, hostname: string): Promise<void> {
  await ctx.deps.directory.invalidate(await ctx.db.get(), { id: ctx.tenant.id, subdomains: [], hostnames: [hostname] });
}

export async function listDomains(ctx: TenantContext): Promise<Domain[]> {
  const tx = await ctx.db.get();
  return (await tx.select().from(tenantDomains).orderBy(desc(tenantDomains.createdAt))).map(toDomain);
}

/** A hostname belongs to one tenant platform-wide; a claimed one cannot be added again. */
export async function addDomain(ctx: TenantContext, raw: string): Promise<Domain> {
  const hostname = checkHostname(ctx, raw);
  const tx = await ctx.db.get();
  const [row] = await tx
    .insert(tenantDomains)
    .values({ tenantId: ctx.tenant.id, hostname, verificationToken: randomBytes(24).toString('base64url') })
    .onConflictDoNothing({ target: tenantDomains.hostname })
    .returning();
  if (!row) throw badInput('hostname', 'is already claimed');
  await recordAudit(ctx, { action: 'domain.add', targetType: 'domain', targetId: row.id, changes: { hostname: { after: hostname } } });
  await dropCachedResolution(ctx, hostname);
  return toDomain(row);
}

/** Looks the TXT record up through the DNS resolver; only then does the domain resolve requests. */
export async function verifyDomain(ctx: TenantContext, id: string): Promise<Domain> {
  const tx = await ctx.db.get();
  const [row] = await tx.select().from(tenantDomains).where(eq(tenantDomains.id, id)).for('update');
  if (!row) throw notFound('Domain');
  if (row.verifiedAt) return toDomain(row);
  const expected = toDomain(row).verificationRecord;
  const found = await ctx.deps.dns.txt(expected.name);
  if (!found.includes(expected.value)) {
    throw badInput('hostname', `TXT record ${expected.name} with value ${expected.value} was not found`);
  }
  const [verified] = await tx.update(tenantDomains).set({ verifiedAt: new Date() }).where(eq(tenantDomains.id, id)).returning();
  await recordAudit(ctx, { action: 'domain.verify', targetType: 'domain', targetId: id, changes: { verified: { before: false, after: true } } });
  await dropCachedResolution(ctx, row.hostname);
  return toDomain(verified!);
}

export async function removeDomain(ctx: TenantContext, id: string): Promise<string> {
  const tx = await ctx.db.get();
  const [row] = await tx.delete(tenantDomains).where(eq(tenantDomains.id, id)).returning();
  if (!row) throw notFound('Domain');
  await recordAudit(ctx, { action: 'domain.remove', targetType: 'domain', targetId: id, changes: { hostname: { before: row.hostname } } });
  await dropCachedResolution(ctx, row.hostname);
  return id;
}
