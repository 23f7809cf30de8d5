import type { AppDeps } from '../app-deps.js';
import type { Database } from '../db/client.js';
import { AppError } from '../errors.js';
import { authenticateApiKey, touchApiKey } from './api-key-auth.js';
import { authenticateDeviceKey } from './device-key-auth.js';
import type { Principal } from './principal.js';
import { type ParsedCredential, parseCredential } from './tokens.js';

const refused = () => AppError.request('UNAUTHENTICATED', 'Invalid, expired or revoked credential');

/**
 * Turns `Authorization: Bearer <token>` into a principal; no header means an anonymous request.
 * `db`: the request's view of the pool, so credential look-ups count toward it.
 */
export async function authenticate(deps: AppDeps, authorization: string | undefined, db: Database): Promise<Principal | null> {
  if (!authorization) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  const credential = match ? parseCredential(match[1]!) : null;
  if (!credential) throw refused();
  const principal = await principalOf(deps, credential, db);
  if (!principal) throw refused();
  // In the background, on the pool: not the request's work, nor counted as its statements.
  if (principal.kind === 'api_key') touchApiKey(deps.database.db, deps.store, deps.bus, deps.log, principal);
  return principal;
}

async function principalOf(deps: AppDeps, credential: ParsedCredential, db: Database): Promise<Principal | null> {
  if (credential.kind === 'st') {
    const session = await deps.sessions.resolve(credential.secret, db);
    return session && { kind: 'user', ...session };
  }
  if (credential.kind === 'ak') return authenticateApiKey(db, deps.bus, credential.prefix!, credential.secret);
  return authenticateDeviceKey(db, deps.bus, credential.prefix!, credential.secret);
}
