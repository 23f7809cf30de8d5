import { and, count, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { hashPassword, passwordProblem, verifyPassword } from '../../auth/passwords.js';
import type { Database, Tx } from '../../db/client.js';
import { assets, auditLogs, devices, invitations, PLANS, type Plan, tenants, tenantUsers, users } from '../../db/schema/index.js';
import { badInput } from '../../errors.js';
import { subdomainProblem } from '../../tenancy/subdomain.js';
import { type Changes, diff } from '../audit/diff.js';
import { newInvitationToken } from '../members/invitation-mail.js';
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

type TenantFields = Pick<NewTenant, 'name' | 'subdomain' | 'plan' | 'contactEmail' | 'maxAssets' | 'maxUsers'>;

/** The tenant's own fields, as the CLI and the CSV give them (the CSV names its contact column). */
function checkTenantFields(input: TenantFields, contactField = 'contact-email'): void {
  if (!input.name.trim()) throw badInput('name', 'must not be empty');
  const sub = subdomainProblem(input.subdomain);
  if (sub) throw badInput('subdomain', sub);
  if (!(PLANS as readonly string[]).includes(input.plan)) throw badInput('plan', `must be one of ${PLANS.join(', ')}`);
  if (input.contactEmail !== undefined && !email.safeParse(input.contactEmail).success) {
    throw badInput(contactField, 'is not a valid email address');
  }
  for (const [field, value] of [['max_assets', input.maxAssets], ['max_users', input.maxUsers]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) throw badInput(field, 'must be a whole number ≥ 0');
  }
}

export function checkNewTenant(input: NewTenant): void {
  checkTenantFields(input);
  if (!email.safeParse(input.ownerEmail).success) throw badInput('owner-email', 'is not a valid email address');
  const pw = passwordProblem(input.ownerPassword);
  if (pw) throw badInput('owner-password', pw);
}

/** Operator actions are audited as the system, in the transaction that makes them. */
function recordSystemAudit(tx: Tx, tenantId: string, action: string, changes: Changes): Promise<unknown> {
  return tx.insert(auditLogs).values({ tenantId, actorType: 'system', action, targetType: 'tenant', targetId: tenantId, changes });
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
      await recordSystemAudit(tx, tenant.id, 'tenant.create', { subdomain: { after: input.subdomain }, plan: { after: input.plan } });
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
      await recordSystemAudit(tx, tenant.id, 'tenant.rename', { subdomain: { before: from, after: to } });
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
    await recordSystemAudit(tx, tenant.id, status === 'suspended' ? 'tenant.suspend' : 'tenant.reactivate', { status: { before: tenant.status, after: status }, ...(reason ? { reason: { after: reason } } : {}) });
  });
  await directory.invalidate({ id: tenant.id, subdomains: [subdomain] });
}

export type PlanChange = { plan: string; maxAssets?: number; maxUsers?: number; maxDevices?: number };

/** Moves a tenant to a plan, optionally overriding its limits; the request limit follows at once. */
export async function setPlan(db: Database, directory: TenantDirectory, subdomain: string, change: PlanChange): Promise<void> {
  if (!(PLANS as readonly string[]).includes(change.plan)) throw badInput('plan', `must be one of ${PLANS.join(', ')}`);
  const tenant = await tenantBySubdomain(db, subdomain);
  const next = {
    plan: change.plan as Plan,
    maxAssets: change.maxAssets ?? tenant.maxAssets,
    maxUsers: change.maxUsers ?? tenant.maxUsers,
    maxDevices: change.maxDevices ?? tenant.maxDevices,
  };
  await db.transaction(async (tx) => {
    await tx.update(tenants).set({ ...next, updatedAt: new Date() }).where(eq(tenants.id, tenant.id));
    await recordSystemAudit(tx, tenant.id, 'tenant.plan', diff(tenant, { ...tenant, ...next }, ['plan', 'maxAssets', 'maxUsers', 'maxDevices']));
  });
  await directory.invalidate({ id: tenant.id, subdomains: [subdomain] });
}

export type BulkRow = { name: string; subdomain: string; plan_type: string; contact_email: string; max_assets?: string; max_users?: string };
export type BulkCreated = { id: string; subdomain: string; name: string; contactEmail: string; token: string };

const optionalCount = (value: string | undefined, field: string): number | undefined => {
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^\d+$/.test(value.trim())) throw badInput(field, 'must be a whole number ≥ 0');
  return Number(value);
};

/**
 * Creates every tenant of a CSV in one transaction, or none: each row is checked first (errors
 * name the line), and each tenant's contact gets an owner invitation (the CSV has no passwords).
 */
export async function bulkCreateTenants(db: Database, rowsIn: BulkRow[], invitationTtlHours: number): Promise<BulkCreated[]> {
  const seen = new Set<string>();
  const checked = rowsIn.map((row, i) => {
    const line = i + 2; // line 1 is the header
    try {
      const input = {
        name: row.name ?? '',
        subdomain: (row.subdomain ?? '').trim(),
        plan: (row.plan_type ?? '').trim(),
        contactEmail: (row.contact_email ?? '').trim().toLowerCase(),
        maxAssets: optionalCount(row.max_assets, 'max_assets'),
        maxUsers: optionalCount(row.max_users, 'max_users'),
      };
      checkTenantFields(input, 'contact_email');
      if (seen.has(input.subdomain)) throw badInput('subdomain', `"${input.subdomain}" appears twice in the file`);
      seen.add(input.subdomain);
      return input;
    } catch (err) {
      if (err instanceof Error) err.message = `line ${line}: ${err.message}`;
      throw err;
    }
  });
  try {
    return await db.transaction(async (tx) => {
      const created: BulkCreated[] = [];
      for (const t of checked) {
        const [tenant] = await tx
          .insert(tenants)
          .values({ name: t.name.trim(), subdomain: t.subdomain, plan: t.plan as Plan, contactEmail: t.contactEmail, maxAssets: t.maxAssets, maxUsers: t.maxUsers })
          .onConflictDoNothing()
          .returning({ id: tenants.id });
        if (!tenant) throw badInput('subdomain', `"${t.subdomain}" is taken`);
        const { token, tokenHash, expiresAt } = newInvitationToken(invitationTtlHours);
        await tx.insert(invitations).values({ tenantId: tenant.id, email: t.contactEmail, role: 'owner', tokenHash, expiresAt });
        await recordSystemAudit(tx, tenant.id, 'tenant.create', { subdomain: { after: t.subdomain }, plan: { after: t.plan }, ownerInvitation: { after: t.contactEmail } });
        created.push({ id: tenant.id, subdomain: t.subdomain, name: t.name.trim(), contactEmail: t.contactEmail, token });
      }
      return created;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw badInput('subdomain', 'one of the subdomains is taken');
    throw err;
  }
}
