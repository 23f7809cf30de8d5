import type { FastifyRequest } from 'fastify';
import type { AppDeps } from '../app-deps.js';
import { authenticate } from '../auth/authenticate.js';
import { NO_PERMISSIONS } from '../auth/permissions.js';
import { actingUserId, credentialTenant } from '../auth/principal.js';
import { AppError } from '../errors.js';
import type { Context } from '../graphql/context.js';
import { createLoaders } from '../graphql/loaders.js';
import { requireTrusted } from '../persisted/trusted-documents.js';
import { enforceRequestLimit } from './request-limit.js';
import { resolveTenant } from './resolve-tenant.js';
import { RequestTransaction } from './tenant-transaction.js';

const header = (req: FastifyRequest, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** The one context builder: credential, then tenant, then the lazily opened tenant transaction. */
export async function buildContext(deps: AppDeps, req: FastifyRequest): Promise<Context> {
  const principal = await authenticate(deps, header(req, 'authorization'));
  if (principal?.kind === 'device' || deps.config.persistedQueriesOnly) requireTrusted(req.trace.document);
  const tenant = await resolveTenant(deps.directory, deps.config.baseDomain, {
    host: header(req, 'host'),
    tenantHeader: header(req, 'x-tenant-id'),
    credentialTenantId: credentialTenant(principal),
  });
  const boundTo = credentialTenant(principal);
  if (boundTo && tenant && boundTo !== tenant.id) {
    throw AppError.request('FORBIDDEN', 'This credential belongs to another organisation');
  }
  if (tenant) await enforceRequestLimit(deps, tenant);
  const db: RequestTransaction = new RequestTransaction(deps.database.db, () => ({
    tenantId: tenant?.id ?? null,
    userId: actingUserId(principal),
    readOnly: db.readOnly,
  }));
  Object.assign(req.trace, { tenantId: tenant?.id ?? null, principal: principal?.kind ?? null, transaction: db });
  return {
    requestId: req.id,
    tenant,
    principal,
    permissions: NO_PERMISSIONS,
    db,
    loaders: createLoaders(db),
    log: deps.log.child({ request_id: req.id, tenant_id: tenant?.id, principal: principal?.kind }),
    client: { ip: req.ip, userAgent: header(req, 'user-agent') ?? null },
    deps,
    trace: req.trace,
  };
}
