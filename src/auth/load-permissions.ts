import type { Context } from '../graphql/context.js';
import { NO_PERMISSIONS, type Permission } from './permissions.js';

/** The caller's permissions in the resolved tenant. */
export async function loadPermissions(ctx: Context): Promise<ReadonlySet<Permission>> {
  if (!ctx.tenant || !ctx.principal) return NO_PERMISSIONS;
  return NO_PERMISSIONS;
}
