import type { Permission } from '../auth/permissions.js';
import type { Principal } from '../auth/principal.js';
import type { RequestTrace } from '../http/request-trace.js';
import type { Logger } from '../logger.js';
import type { ResolvedTenant } from '../tenancy/tenant-directory.js';
import type { RequestTransaction } from '../tenancy/tenant-transaction.js';
import type { AppDeps } from '../app-deps.js';
import type { Loaders } from './loaders.js';

/** Built once per request (DESIGN.md step 4); permissions are filled once the operation is known. */
export type Context = {
  requestId: string;
  tenant: ResolvedTenant | null;
  principal: Principal | null;
  permissions: ReadonlySet<Permission>;
  db: RequestTransaction;
  loaders: Loaders;
  log: Logger;
  client: { ip: string; userAgent: string | null };
  deps: AppDeps;
  trace: RequestTrace;
};
