import type { AppDeps } from '../app-deps.js';
import { AppError } from '../errors.js';
import type { Principal } from './principal.js';

/** Turns `Authorization: Bearer <token>` into a principal; no header means an anonymous request. */
export async function authenticate(_deps: AppDeps, authorization: string | undefined): Promise<Principal | null> {
  if (!authorization) return null;
  throw AppError.request('UNAUTHENTICATED', 'Invalid or expired credential');
}
