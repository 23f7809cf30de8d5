import { isIP } from 'node:net';
import type { Database } from '../db/client.js';
import { AppError } from '../errors.js';
import { RESERVED_SUBDOMAINS } from './subdomain.js';
import type { ResolvedTenant, TenantDirectory } from './tenant-directory.js';

export type TenantHints = {
  host?: string;
  tenantHeader?: string;
  /** The tenant an API key or device key belongs to. */
  credentialTenantId?: string;
};

const UUID = /^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i;

function hostName(host: string | undefined): string | null {
  if (!host) return null;
  const name = host.trim().toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  if (!name || name === 'localhost' || isIP(name.replace(/^\[|\]$/g, ''))) return null;
  return name;
}

/**
 * Resolution order, first match wins (DESIGN.md step 2): verified custom domain, subdomain of
 * BASE_DOMAIN, X-Tenant-ID (uuid or subdomain), then the credential's own tenant.
 */
export async function resolveTenant(
  directory: TenantDirectory,
  baseDomain: string,
  hints: TenantHints,
  db?: Database,
): Promise<ResolvedTenant | null> {
  const tenant = await findTenant(directory, baseDomain, hints, db);
  if (tenant?.status === 'suspended') throw AppError.request('TENANT_SUSPENDED', 'This organisation is suspended');
  return tenant;
}

async function findTenant(directory: TenantDirectory, baseDomain: string, hints: TenantHints, db: Database | undefined): Promise<ResolvedTenant | null> {
  const host = hostName(hints.host);
  const suffix = `.${baseDomain}`;
  if (host && host !== baseDomain && !host.endsWith(suffix)) {
    const byDomain = await directory.find('domain', host, db);
    if (byDomain) return byDomain;
  }
  if (host?.endsWith(suffix)) {
    const label = host.slice(0, -suffix.length);
    if (!label.includes('.') && !RESERVED_SUBDOMAINS.has(label)) {
      return (await directory.find('subdomain', label, db)) ?? notFound();
    }
  }
  const header = hints.tenantHeader?.trim();
  if (header) {
    return (await directory.find(UUID.test(header) ? 'id' : 'subdomain', header, db)) ?? notFound();
  }
  if (hints.credentialTenantId) return directory.find('id', hints.credentialTenantId, db);
  return null;
}

function notFound(): never {
  throw AppError.request('TENANT_NOT_FOUND', 'No organisation matches this request');
}
