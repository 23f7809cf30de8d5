import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Database } from './db/client.js';
import { tenants } from './db/schema/index.js';
import { createTenant } from './modules/tenants/tenant-admin.service.js';

export const DEMO = { subdomain: 'demo', email: 'demo@example.com' } as const;

/** On the embedded engine's first start: a demo tenant whose owner's random password is shown once. */
export async function seedDemoTenant(db: Database): Promise<{ email: string; password: string } | null> {
  const [existing] = await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.subdomain, DEMO.subdomain));
  if (existing) return null;
  // base64url of 18 bytes, plus a fixed tail so the password rules always hold.
  const password = `${randomBytes(18).toString('base64url')}-Aa1`;
  await createTenant(db, {
    name: 'Demo Signage Co.',
    subdomain: DEMO.subdomain,
    plan: 'professional',
    ownerEmail: DEMO.email,
    ownerPassword: password,
    contactEmail: DEMO.email,
  });
  return { email: DEMO.email, password };
}
