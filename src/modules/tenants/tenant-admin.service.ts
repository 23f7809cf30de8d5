import { and, count, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { hashPassword, passwordProblem, verifyPassword } from '../../auth/passwords.js';
import type { Database, Tx } from '../../db/client.js';
import { assets, auditLogs, devices, invitations, PLANS, type Plan, tenantDomains, tenants, tenantUsers, users } from '../../db/schema/index.js';
import { AppError, badInput } from '../../errors.js';
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

type FieldProblem = { field: string; message: string };

/** Every problem of the tenant's own fields, named as the CLI or the CSV (`names`) calls them. */
function tenantFieldProblems(input: TenantFields, names = { plan: 'plan', contactEmail: 'contact-email' }): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!input.name.trim()) problems.push({ field: 'name', message: 'must not be empty' });
  const sub = subdomainProblem(input.subdomain);
  if (sub) problems.push({ field: 'subdomain', message: sub });
  if (!(PLANS as readonly string[]).includes(input.plan)) problems.push({ field: names.plan, message: `must be one of ${PLANS.join(', ')}` });
  if (input.contactEmail !== undefined && !email.safeParse(input.contactEmail).success) {
    problems.push({ field: names.contactEmail, message: 'is not a valid email address' });
  }
  for (const [field, value] of [['max_assets', input.maxAssets], ['max_users', input.maxUsers]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) problems.push({ field, message: 'must be a whole number ≥ 0' });
  }
  return problems;
}

/** The first problem of the tenant's own fields, refused (a command line gets one line). */
function checkTenantFields(input: TenantFields): void {
  const [first] = tenantFieldProblems(input);
  if (first) throw badInput(first.field, first.message);
}

export function checkNewTenant(input: Omit<NewTenant, 'ownerPassword'> & { ownerPassword?: string }): void {
  checkTenantFields(input);
  if (!email.safeParse(input.ownerEmail).success) throw badInput('owner-email', 'is not a valid email address');
  const pw = input.ownerPassword === undefined ? null : passwordProblem(input.ownerPassword);
  if (pw) throw badInput('owner-password', pw);
}

/** Operator actions are audited as the system, in the transaction that makes them; the target defaults to the tenant. */
export function recordSystemAudit(
  tx: Tx,
  tenantId: string,
  action: string,
  changes: Changes,
  target: { type: string; id: string } = { type: 'tenant', id: tenantId },
): Promise<unknown> {
  return tx.insert(auditLogs).values({ tenantId, actorType: 'system', action, targetType: target.type, targetId: target.id, changes });
}

const isUniqueViolation = (err: unknown): boolean =>
  (err as { code?: string })?.code === UNIQUE_VIOLATION || (err as { cause?: { code?: string } })?.cause?.code === UNIQUE_VIOLATION;

/** The tenant's row; a taken subdomain is refused. */
async function insertTenant(tx: Tx, input: TenantFields & { contactEmail: string }): Promise<string> {
  const [tenant] = await tx
    .insert(tenants)
    .values({
      name: input.name.trim(),
      subdomain: input.subdomain,
      plan: input.plan as Plan,
      contactEmail: input.contactEmail,
      maxAssets: input.maxAssets,
      maxUsers: input.maxUsers,
    })
    .onConflictDoNothing()
    .returning({ id: tenants.id });
  if (!tenant) throw badInput('subdomain', `"${input.subdomain}" is taken`);
  return tenant.id;
}

/** An owner invitation (single-use token, only its hash stored); the token is for the mail sent after the commit. */
async function inviteOwner(tx: Tx, tenantId: string, to: string, invitationTtlHours: number): Promise<string> {
  const { token, tokenHash, expiresAt } = newInvitationToken(invitationTtlHours);
  await tx.insert(invitations).values({ tenantId, email: to.toLowerCase(), role: 'owner', tokenHash, expiresAt });
  return token;
}

/** Tenant, owner (a new user, or an existing one who proves the password) and membership, all or nothing. */
export async function createTenant(db: Database, input: NewTenant): Promise<{ tenantId: string; userId: string }> {
  checkNewTenant(input);
  const passwordHash = await hashPassword(input.ownerPassword);
  try {
    return await db.transaction(async (tx) => {
      const tenant = { id: await insertTenant(tx, { ...input, contactEmail: input.contactEmail ?? input.ownerEmail }) };
      const [existing] = await tx
        .select({ id: users.id, passwordHash: users.passwordHash, verifiedAt: users.emailVerifiedAt })
        .from(users)
        .where(sql`lower(${users.email}) = lower(${input.ownerEmail})`);
      if (existing && !(await verifyPassword(existing.passwordHash, input.ownerPassword))) {
        throw badInput('owner-password', 'does not match the existing account of this email');
      }
      // Anyone could have made an unverified account for this address: it is never given an organisation.
      if (existing && !existing.verifiedAt) {
        throw badInput('owner-email', 'belongs to an account whose address is not verified; invite the owner instead (anthias add-owner)');
      }
      // The operator vouches for the address of an owner they create.
      const userId =
        existing?.id ??
        (await tx.insert(users).values({ email: input.ownerEmail.toLowerCase(), passwordHash, emailVerifiedAt: new Date() }).returning({ id: users.id }))[0]!.id;
      await tx.insert(tenantUsers).values({ tenantId: tenant.id, userId, role: 'owner' });
      await recordSystemAudit(tx, tenant.id, 'tenant.create', { subdomain: { after: input.subdomain }, plan: { after: input.plan } });
      return { tenantId: tenant.id, userId };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw badInput('subdomain', `"${input.subdomain}" is taken`);
    throw err;
  }
}

/**
 * Tenant and an owner invitation, when the operator gives no password: the owner chooses one on
 * accepting (or signs in with the account the email already has). Returns the token to mail.
 */
export async function createTenantInvitingOwner(
  db: Database,
  input: Omit<NewTenant, 'ownerPassword'>,
  invitationTtlHours: number,
): Promise<{ tenantId: string; token: string }> {
  checkNewTenant(input);
  try {
    return await db.transaction(async (tx) => {
      const tenantId = await insertTenant(tx, { ...input, contactEmail: input.contactEmail ?? input.ownerEmail });
      const token = await inviteOwner(tx, tenantId, input.ownerEmail, invitationTtlHours);
      await recordSystemAudit(tx, tenantId, 'tenant.create', { subdomain: { after: input.subdomain }, plan: { after: input.plan }, ownerInvitation: { after: input.ownerEmail.toLowerCase() } });
      return { tenantId, token };
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

export async function tenantBySubdomain(db: Database | Tx, subdomain: string) {
  const [tenant] = await db.select().from(tenants).where(eq(tenants.subdomain, subdomain));
  if (!tenant) throw badInput('subdomain', `no tenant "${subdomain}"`);
  return tenant;
}

/** Drops every cached resolution of a tenant, its custom domains' included (they carry status and subdomain too). */
async function dropResolutions(tx: Tx, directory: TenantDirectory, tenantId: string, subdomains: string[]): Promise<void> {
  const domains = await tx.select({ hostname: tenantDomains.hostname }).from(tenantDomains).where(eq(tenantDomains.tenantId, tenantId));
  await directory.invalidate(tx, { id: tenantId, subdomains, hostnames: domains.map((d) => d.hostname) });
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
      await dropResolutions(tx, directory, tenant.id, [from, to]);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw badInput('subdomain', `"${to}" is taken`);
    throw err;
  }
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
  const [invitedOwners] = await db
    .select({ n: count() })
    .from(invitations)
    .where(and(eq(invitations.tenantId, tenant.id), eq(invitations.role, 'owner'), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, new Date())));
  const ownerDetail = owners!.n
    ? `${owners!.n} active owner(s)`
    : `no active owner${invitedOwners!.n ? ` (${invitedOwners!.n} owner invitation pending)` : ''}: run \`anthias add-owner ${subdomain} --email <address>\``;
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
      { name: 'active owner', ok: owners!.n > 0, detail: ownerDetail },
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
    await dropResolutions(tx, directory, tenant.id, [subdomain]);
  });
}

export type PlanChange = {
  plan: string;
  maxAssets?: number;
  maxUsers?: number;
  maxDevices?: number;
  /** Back to the plan's own limits (request rate included) before applying the limits given. */
  clearOverrides?: boolean;
  /** Applies limits below what the tenant uses (nothing is removed; creations are refused until usage falls). */
  force?: boolean;
};

/** What a tenant uses, counted by its id (the owner's connection reads past RLS); seats are members and pending invitations, as the quota counts them. */
async function tenantUsage(tx: Tx, tenantId: string): Promise<{ assets: number; users: number; devices: number }> {
  const n = async (q: Promise<{ n: number }[]>) => (await q)[0]?.n ?? 0;
  return {
    assets: await n(tx.select({ n: count() }).from(assets).where(eq(assets.tenantId, tenantId))),
    devices: await n(tx.select({ n: count() }).from(devices).where(eq(devices.tenantId, tenantId))),
    users:
      (await n(tx.select({ n: count() }).from(tenantUsers).where(and(eq(tenantUsers.tenantId, tenantId), eq(tenantUsers.isActive, true))))) +
      (await n(
        tx
          .select({ n: count() })
          .from(invitations)
          .where(and(eq(invitations.tenantId, tenantId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, new Date()))),
      )),
  };
}

/**
 * Moves a tenant to a plan, optionally overriding its limits; the request limit follows at once.
 * A limit below current usage is refused unless forced; forced, it is returned as a warning.
 */
export async function setPlan(db: Database, directory: TenantDirectory, subdomain: string, change: PlanChange): Promise<{ warnings: string[] }> {
  if (!(PLANS as readonly string[]).includes(change.plan)) throw badInput('plan', `must be one of ${PLANS.join(', ')}`);
  return db.transaction(async (tx) => {
    // Locked first: creations check the quota under the same lock, so usage cannot grow past the check.
    const [tenant] = await tx.select().from(tenants).where(eq(tenants.subdomain, subdomain)).for('update');
    if (!tenant) throw badInput('subdomain', `no tenant "${subdomain}"`);
    const base = change.clearOverrides ? { maxAssets: null, maxUsers: null, maxDevices: null, requestsPerMinute: null } : tenant;
    const next = {
      plan: change.plan as Plan,
      maxAssets: change.maxAssets ?? base.maxAssets,
      maxUsers: change.maxUsers ?? base.maxUsers,
      maxDevices: change.maxDevices ?? base.maxDevices,
      requestsPerMinute: base.requestsPerMinute,
    };
    const limits = effectiveLimits(next);
    const used = await tenantUsage(tx, tenant.id);
    const below = (
      [
        ['max-assets', limits.maxAssets, used.assets],
        ['max-users', limits.maxUsers, used.users],
        ['max-devices', limits.maxDevices, used.devices],
      ] as const
    )
      .filter(([, max, inUse]) => max < inUse)
      .map(([name, max, inUse]) => `${name} ${max} is below the ${inUse} in use`);
    if (below.length && !change.force) {
      throw badInput('limits', `${below.join('; ')}: nothing changed; pass --force to set it anyway (nothing is removed, new ones are refused)`);
    }
    await tx.update(tenants).set({ ...next, updatedAt: new Date() }).where(eq(tenants.id, tenant.id));
    await recordSystemAudit(tx, tenant.id, 'tenant.plan', diff(tenant, { ...tenant, ...next }, ['plan', 'maxAssets', 'maxUsers', 'maxDevices', 'requestsPerMinute']));
    await dropResolutions(tx, directory, tenant.id, [subdomain]);
    return { warnings: below };
  });
}

/** The columns of a bulk file: these four, then optionally the two limits. */
export const BULK_COLUMNS = { required: ['name', 'subdomain', 'plan_type', 'contact_email'], optional: ['max_assets', 'max_users'] } as const;

/** One data row of a bulk file, by column, with its line in the file and what the reader already found wrong with it. */
export type BulkRow = { line: number; values: Partial<Record<string, string>>; problems: string[] };
export type BulkCreated = { id: string; subdomain: string; name: string; contactEmail: string; token: string };

/**
 * Creates every tenant of a CSV in one transaction, or none: every row and field is checked
 * first, taken subdomains included, and all problems are reported at once by line; each tenant's
 * contact gets an owner invitation (the CSV has no passwords).
 */
export async function bulkCreateTenants(db: Database, rowsIn: BulkRow[], invitationTtlHours: number): Promise<BulkCreated[]> {
  const problems: { line: number; text: string }[] = [];
  const firstLine = new Map<string, number>();
  const checked = rowsIn.map((row) => {
    const note = (text: string) => problems.push({ line: row.line, text });
    row.problems.forEach(note);
    const value = (column: string) => (row.values[column] ?? '').trim();
    const optionalCount = (column: string): number | undefined => {
      if (value(column) === '') return undefined;
      if (/^\d+$/.test(value(column))) return Number(value(column));
      note(`${column}: must be a whole number ≥ 0`);
      return undefined;
    };
    const input = {
      name: value('name'),
      subdomain: value('subdomain'),
      plan: value('plan_type'),
      contactEmail: value('contact_email').toLowerCase(),
      maxAssets: optionalCount('max_assets'),
      maxUsers: optionalCount('max_users'),
    };
    for (const p of tenantFieldProblems(input, { plan: 'plan_type', contactEmail: 'contact_email' })) note(`${p.field}: ${p.message}`);
    const seen = firstLine.get(input.subdomain);
    if (seen !== undefined) note(`subdomain: "${input.subdomain}" appears twice in the file (line ${seen})`);
    else firstLine.set(input.subdomain, row.line);
    return input;
  });
  if (firstLine.size) {
    const taken = await db.select({ subdomain: tenants.subdomain }).from(tenants).where(inArray(tenants.subdomain, [...firstLine.keys()]));
    for (const { subdomain } of taken) problems.push({ line: firstLine.get(subdomain)!, text: `subdomain: "${subdomain}" is taken` });
  }
  if (problems.length) {
    const report = problems.sort((a, b) => a.line - b.line).map((p) => `line ${p.line}: ${p.text}`);
    throw new AppError('BAD_USER_INPUT', `${report.length} problem${report.length === 1 ? '' : 's'} in the file, nothing was created:\n${report.join('\n')}`, { field: 'file' });
  }
  try {
    return await db.transaction(async (tx) => {
      const created: BulkCreated[] = [];
      for (const t of checked) {
        const tenant = { id: await insertTenant(tx, t) };
        const token = await inviteOwner(tx, tenant.id, t.contactEmail, invitationTtlHours);
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
