import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { tenants, type TenantSettings, type TenantTheme } from '../../db/schema/index.js';
import { badInput } from '../../errors.js';
import type { TenantContext } from '../../tenancy/context.js';
import { isValidTimeZone } from '../assets/schedule.js';
import { recordAudit } from '../audit/audit.service.js';
import { diff } from '../audit/diff.js';
import { dropPlaylists } from '../devices/playlist-cache.js';
import type { TenantSettingsInput } from './settings.input.js';
import { currentTenant } from './tenant.service.js';
import type { Tenant } from './tenant.type.js';

const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;
const email = z.email();

/** The settings document as stored: a schema, so nothing else lands in the JSON. */
const settingsSchema = z.object({
  timezone: z.string().refine(isValidTimeZone, 'is not an IANA time zone').optional(),
  theme: z
    .object({
      primaryColor: z.string().regex(HEX, 'must be a hex colour such as #1a73e8').optional(),
      accentColor: z.string().regex(HEX, 'must be a hex colour such as #1a73e8').optional(),
      logoUrl: z.url({ protocol: /^https$/, error: 'must be an https URL' }).max(2048).optional(),
    })
    .strict()
    .optional(),
});

function mergeTheme(current: TenantTheme, patch: NonNullable<TenantSettingsInput['theme']>): TenantTheme {
  const next: TenantTheme = { ...current };
  for (const key of ['primaryColor', 'accentColor', 'logoUrl'] as const) {
    const v = patch[key];
    if (v === null) delete next[key];
    else if (v !== undefined) next[key] = key === 'logoUrl' ? v : v.toLowerCase();
  }
  return next;
}

/** Name, contact email, default time zone and theme; every member reads them through currentTenant. */
export async function updateTenantSettings(ctx: TenantContext, input: TenantSettingsInput): Promise<Tenant> {
  const tx = await ctx.db.get();
  const [before] = await tx
    .select({ name: tenants.name, contactEmail: tenants.contactEmail, settings: tenants.settings })
    .from(tenants)
    .where(eq(tenants.id, ctx.tenant.id))
    .for('update');
  const name = input.name === undefined || input.name === null ? before!.name : input.name.trim();
  if (!name || name.length > 200) throw badInput('name', 'must be 1 to 200 characters');
  const contactEmail = input.contactEmail === undefined ? before!.contactEmail : input.contactEmail;
  if (contactEmail && !email.safeParse(contactEmail).success) throw badInput('contactEmail', 'is not a valid email address');
  const settings: TenantSettings = { ...before!.settings };
  if (input.timezone === null) delete settings.timezone;
  else if (input.timezone !== undefined) settings.timezone = input.timezone;
  if (input.theme) settings.theme = mergeTheme(settings.theme ?? {}, input.theme);
  const checked = settingsSchema.safeParse(settings);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw badInput(issue.path.join('.'), issue.message);
  }
  await tx.update(tenants).set({ name, contactEmail, settings: checked.data, updatedAt: new Date() }).where(eq(tenants.id, ctx.tenant.id));
  const flat = (s: { name: string; contactEmail: string | null; settings: TenantSettings }) => ({
    name: s.name,
    contactEmail: s.contactEmail,
    timezone: s.settings.timezone ?? null,
    theme: s.settings.theme ?? {},
  });
  await recordAudit(ctx, {
    action: 'tenant.settings',
    targetType: 'tenant',
    targetId: ctx.tenant.id,
    changes: diff(flat(before!), flat({ name, contactEmail, settings: checked.data }), ['name', 'contactEmail', 'timezone', 'theme']),
  });
  await dropPlaylists(ctx); // the default time zone decides what devices play
  return (await currentTenant(ctx))!;
}
