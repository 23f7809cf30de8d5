import { and, count, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { hashPassword, passwordProblem, verifyPassword } from '../../auth/passwords.js';
import type { Database } from '../../db/client.js';
import { assets, auditLogs, devices, PLANS, type Plan, tenants, tenantUsers, users } from '../../db/schema/index.js';
import { badInput } from '../../errors.js';
import { subdomainProblem } from '../../tenancy/subdomain.js';
import type { TenantDirectory } from '../../tenancy/tenant-directory.js';
import { effectiveLimits } from './plans.js';

// Operator actions: they run on the owner's connection (MIGRATION_DATABASE_URL), outside any tenant.

const email = z.email();
const UNIQUE_VIOLATION = '23505';

export type NewTenant = {
  name: string;
  subdomain: string;
  plan: string;
  ownerEmail: string;
  ownerPassword: string;
  contactEmail?: string;
  maxAssets?: number;
  maxUsers?: number;
};

export function checkNewTenant(input: NewTenant): void {
  if (!input.name.trim()) throw badInput('name', 'must not be empty');
  const sub = subdomainProblem(input.subdomain);
  if (sub) throw badInput('subdomain', sub);
  if (!(PLANS as readonly string[]).includes(input.plan)) throw badInput('plan', `must be one of ${PLANS.join(', ')}`);
  if (!email.safeParse(input.ownerEmail).success) throw badInput('owner-email', 'is not a valid email address');
  if (input.contactEmail && !email.safeParse(input.contactEmail).success) {
    throw badInput('contact-email', 'is not a valid email address');
  }
  const pw = passwordProblem(input.ownerPassword);
  if (pw) throw badInput('owner-password', pw);
  for (const [field, value] of [['max_assets', input.maxAssets], ['max_users', input.maxUsers]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) throw badInput(field, 'must be a whole number ≥ 0');
  }
}

const isUniqueViolation = (err: unknown): boolean =>
  (err as { code?: string })?.code === UNIQUE_VIOLATION || (err as { cause?: { code?: string } })?.cause?.code === UNIQUE_VIOLATION;

/** Tenant, owner (a new user, or an existing one who proves the password) and membership, all or nothing. */
export async function createTenant(db: Database, input: NewTenant): Promise<{ tenantId: string; userId: string }> {
  checkNewTenant(input);
  const passwordHash = await hashPassword(input.ownerPassword);
  try {
    return await db.transaction(async (tx) => {
      const [tenant] = await tx
        .insert(tenants)
        .values({
          name: input.name.trim(),
          subdomain: input.subdomain,
          plan: input.plan as Plan,
          contactEmail: input.contactEmail ?? input.ownerEmail,
          maxAssets: input.maxAssets,
          maxUsers: input.maxUsers,
        })
        .onConflictDoNothing()
        .returning({ id: tenants.id });
      if (!tenant) throw badInput('subdomain', `"${input.subdomain}" is taken`);
      const [existing] = await tx
        .select({ id: users.id, passwordHash: users.passwordHash })
        .from(users)
        .where(sql`lower(${users.email}) = lower(${input.ownerEmail})`);
      if (existing && !(await verifyPassword(existing.passwordHash, input.ownerPassword))) {
        throw badInput('owner-password', 'does not match the existing account of this email');
      }
      const userId =
        existing?.id ??
        (await tx.insert(users).values({ email: input.ownerEmail.toLowerCase(), passwordHash }).returning({ id: users.id }))[0]!.id;
      await tx.insert(tenantUsers).values({ tenantId: tenant.id, userId, role: 'owner' });
      await tx.insert(auditLogs).values({
        tenantId: tenant.id,
        actorType: 'system',
        action: 'tenant.create',
        targetType: 'tenant',
        targetId: tenant.id,
        changes: { subdomain: { after: input.subdomain }, plan: { after: input.plan } },
      });
      return { tenantId: tenant.id, userId };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw badInput('subdomain', `"${input.subdomain}" is taken`);
    throw err;
  }
}

export type TenantListing = { id: string; subdomain: string; name: string; status: string; plan: string };

export async function listTenants(db: Database, onlyActive: boolean): Promise<TenantListing[]> {
  return db
    .select({ id: tenants.id, subdomain: tenants.subdomain, name: tenants.name, status: tenants.status, plan: tenants.plan })
    .from(tenants)
    .where(onlyActive ? eq(tenants.status, 'active') : undefined)
    .orderBy(tenants.subdomain);
}

async function tenantBySubdomain(db: Database, subdomain: string) {
  const [tenant] = await db.select().from(tenants).where(eq(tenants.subdomain, subdomain));
  if (!tenant) throw badInput('subdomain', `no tenant "${subdomain}"`);
  return tenant;
}

/** Moves a tenant to another subdomain; the old name stops resolving at once. */
export async function renameSubdomain(db: Database, directory: TenantDirectory, from: string, to: string): Promise<void> {
  const problem = subdomainProblem(to);
  if (problem) throw badInput('subdomain', problem);
  const tenant = await tenantBySubdomain(db, from);
  try {
    await db.transaction(async (tx) => {
      await tx.update(tenants).set({ subdomain: to, updatedAt: new Date() }).where(eq(tenants.id, tenant.id));
      await tx.insert(auditLogs).values({
        tenantId: tenant.id,
        actorType: 'system',
        action: 'tenant.rename',
        targetType: 'tenant',
        targetId: tenant.id,
        changes: { subdomain: { before: from, after: to } },
      });
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw badInput('subdomain', `"${to}" is taken`);
    throw err;
  }
  await directory.invalidate({ id: tenant.id, subdomains: [from, to] });
}

export type TenantReport = {
  subdomain: string;
  checks: { name: string; ok: boolean; detail: string }[];
};

/** Exists, active, has an active owner, usage within limits. RLS is `rls validate`'s job. */
export async function validateTenant(db: Database, subdomain: string): Promise<TenantReport> {
  const tenant = await tenantBySubdomain(db, subdomain);
  const limits = effectiveLimits(tenant);
  const countOf = async (table: typeof assets | typeof devices) =>
    (await db.select({ n: count() }).from(table).where(eq(table.tenantId, tenant.id)))[0]!.n;
  const [owners] = await db
    .select({ n: count() })
    .from(tenantUsers)
    .where(and(eq(tenantUsers.tenantId, tenant.id), eq(tenantUsers.role, 'owner'), eq(tenantUsers.isActive, true)));
  const [members] = await db
    .select({ n: count() })
    .from(tenantUsers)
    .where(and(eq(tenantUsers.tenantId, tenant.id), eq(tenantUsers.isActive, true)));
  const assetCount = await countOf(assets);
  const deviceCount = await countOf(devices);
  const within = (name: string, used: number, max: number) => ({ name, ok: used <= max, detail: `${used} of ${max}` });
  return {
    subdomain,
    checks: [
      { name: 'exists', ok: true, detail: tenant.id },
      { name: 'active', ok: tenant.status === 'active', detail: tenant.status },
      { name: 'active owner', ok: owners!.n > 0, detail: `${owners!.n} active owner(s)` },
      within('assets', assetCount, limits.maxAssets),
      within('users', members!.n, limits.maxUsers),
      within('devices', deviceCount, limits.maxDevices),
    ],
  };
}

/** Suspends or reactivates; requests see the new status at once (the cached resolution is dropped). */
export async function setTenantStatus(
  db: Database,
  directory: TenantDirectory,
  subdomain: string,
  status: 'active' | 'suspended',
  reason?: string,
): Promise<void> {
  const tenant = await tenantBySubdomain(db, subdomain);
  await db.transaction(async (tx) => {
    await tx
      .update(tenants)
      .set({
        status,
        suspendedReason: status === 'suspended' ? (reason ?? null) : null,
        suspendedAt: status === 'suspended' ? new Date() : null,
        updatedAt: new Date(),
      })
      .where(eq(tenants.id, tenant.id));
    await tx.insert(auditLogs).values({
      tenantId: tenant.id,
      actorType: 'system',
      action: status === 'suspended' ? 'tenant.suspend' : 'tenant.reactivate',
      targetType: 'tenant',
      targetId: tenant.id,
      changes: { status: { before: tenant.status, after: status }, ...(reason ? { reason: { after: reason } } : {}) },
    });
  });
  await directory.invalidate({ id: tenant.id, subdomains: [subdomain] });
}
