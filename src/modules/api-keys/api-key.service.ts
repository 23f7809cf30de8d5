import { and, desc, eq, isNull } from 'drizzle-orm';
import { API_KEY_CACHE } from '../../auth/api-key-auth.js';
import { isPermission } from '../../auth/permissions.js';
import { actingUserId } from '../../auth/principal.js';
import { mintKey } from '../../auth/tokens.js';
import { apiKeys } from '../../db/schema/index.js';
import { badInput, forbidden, notFound } from '../../errors.js';
import type { TenantContext } from '../../tenancy/context.js';
import { recordAudit } from '../audit/audit.service.js';
import { diff } from '../audit/diff.js';
import type { ApiKey, CreateApiKeyInput, CreatedApiKey } from './api-key.type.js';

const PUBLIC_COLUMNS = {
  id: apiKeys.id,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  permissions: apiKeys.permissions,
  createdById: apiKeys.createdBy,
  createdAt: apiKeys.createdAt,
  expiresAt: apiKeys.expiresAt,
  revokedAt: apiKeys.revokedAt,
  lastUsedAt: apiKeys.lastUsedAt,
};
const AUDITED = ['name', 'permissions', 'expiresAt', 'revokedAt'] as const;

export async function createApiKey(ctx: TenantContext, input: CreateApiKeyInput): Promise<CreatedApiKey> {
  const name = input.name.trim();
  if (!name || name.length > 100) throw badInput('name', 'must be 1 to 100 characters');
  const permissions = [...new Set(input.permissions)].sort();
  if (!permissions.length) throw badInput('permissions', 'must name at least one permission');
  const unknown = permissions.filter((p) => !isPermission(p));
  if (unknown.length) throw badInput('permissions', `unknown: ${unknown.join(', ')}`);
  const beyond = permissions.filter((p) => !ctx.permissions.has(p as never));
  if (beyond.length) throw forbidden(`A key cannot have permissions you lack: ${beyond.join(', ')}`);
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw badInput('expiresAt', 'must be in the future');

  const { key, prefix, hash } = mintKey('ak');
  const tx = await ctx.db.get();
  const [created] = await tx
    .insert(apiKeys)
    .values({
      tenantId: ctx.tenant.id,
      name,
      prefix,
      keyHash: hash,
      permissions,
      createdBy: actingUserId(ctx.principal),
      expiresAt: input.expiresAt ?? null,
    })
    .returning(PUBLIC_COLUMNS);
  await recordAudit(ctx, { action: 'api_key.create', targetType: 'api_key', targetId: created!.id, changes: diff(null, created!, AUDITED) });
  return { apiKey: created!, secret: key };
}

export async function listApiKeys(ctx: TenantContext): Promise<ApiKey[]> {
  const tx = await ctx.db.get();
  return tx.select(PUBLIC_COLUMNS).from(apiKeys).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}

/** Takes effect on the key's next request: the commit drops every instance's cached copy. */
export async function revokeApiKey(ctx: TenantContext, id: string): Promise<ApiKey> {
  const tx = await ctx.db.get();
  const [before] = await tx.select(PUBLIC_COLUMNS).from(apiKeys).where(eq(apiKeys.id, id)).for('update');
  if (!before) throw notFound('API key');
  if (before.revokedAt) return before;
  const [after] = await tx
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning(PUBLIC_COLUMNS);
  await recordAudit(ctx, { action: 'api_key.revoke', targetType: 'api_key', targetId: id, changes: diff(before, after!, AUDITED) });
  await ctx.deps.bus.announce(API_KEY_CACHE, [before.prefix], tx);
  return after!;
}
