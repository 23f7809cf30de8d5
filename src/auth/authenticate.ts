import type { AppDeps } from '../app-deps.js';
import { AppError } from '../errors.js';
import { authenticateApiKey, touchApiKey } from './api-key-auth.js';
import { authenticateDeviceKey } from './device-key-auth.js';
import type { Principal } from './principal.js';
import { type ParsedCredential, parseCredential } from './tokens.js';

const refused = () => AppError.request('UNAUTHENTICATED', 'Invalid, expired or revoked credential');

/** Turns `Authorization: Bearer <token>` into a principal; no header means an anonymous request. */
export async function authenticate(deps: AppDeps, authorization: string | undefined): Promise<Principal | null> {
  if (!authorization) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  const credential = match ? parseCredential(match[1]!) : null;
  if (!credential) throw refused();
  const principal = await principalOf(deps, credential);
  if (!principal) throw refused();
  if (principal.kind === 'api_key') touchApiKey(deps.database.db, deps.store, deps.bus, deps.log, principal);
  return principal;
}

async function principalOf(deps: AppDeps, credential: ParsedCredential): Promise<Principal | null> {
  if (credential.kind === 'st') {
    const session = await deps.sessions.resolve(credential.secret);
    return session && { kind: 'user', ...session };
  }
  if (credential.kind === 'ak') return authenticateApiKey(deps.database.db, deps.bus, credential.prefix!, credential.secret);
  return authenticateDeviceKey(deps.database.db, deps.bus, credential.prefix!, credential.secret);
}
