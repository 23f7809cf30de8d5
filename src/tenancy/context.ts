import type { AppDeps } from '../app-deps.js';
import type { Permission } from '../auth/permissions.js';
import type { Principal } from '../auth/principal.js';
import type { Database } from '../db/client.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Loaders } from './loaders.js';
import type { ResolvedTenant } from './tenant-directory.js';
import type { RequestTransaction } from './tenant-transaction.js';

/**
 * What resolvers and services see of one request, built once by the request scope
 * (request-scope.ts); permissions are filled once the operation is known.
 */
export type RequestContext = {
  readonly requestId: string;
  readonly tenant: ResolvedTenant | null;
  readonly principal: Principal | null;
  permissions: ReadonlySet<Permission>;
  /** The request's transaction (opened on first use). */
  readonly db: RequestTransaction;
  /**
   * The pool as this request sees it, for what must run outside its transaction (a sign-in's own
   * transactions, credential checks): its statements count toward the request.
   */
  readonly pool: Database;
  readonly loaders: Loaders;
  readonly log: Logger;
  readonly client: { readonly ip: string; readonly userAgent: string | null };
  readonly deps: AppDeps;
};

/** A request bound to one organisation: what every tenant-scoped service takes. */
export type TenantContext = RequestContext & { readonly tenant: ResolvedTenant };

/**
 * Narrows a request to its organisation. Shield rules already refuse tenant-scoped fields to a
 * request without one (no tenant, no permissions); this keeps the type honest and the refusal
 * coded should a rule ever be missing.
 */
export function requireTenant(ctx: RequestContext): TenantContext {
  if (!ctx.tenant) throw new AppError('TENANT_NOT_FOUND', 'This request names no organisation');
  return ctx as TenantContext;
}
