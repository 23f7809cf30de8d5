import type { AppDeps } from '../app-deps.js';
import { AppError } from '../errors.js';
import { authenticateApiKey, touchApiKey } from './api-key-auth.js';
import { authenticateDeviceKey } from './device-key-auth.js';
import type { Principal } from './principal.js';
import { parseCredential } from './tokens.js';

const refused = () => AppError.request('UNAUTHENTICATED', 'Invalid, expired or revoked credential');

/** Turns `Authorization: Bearer <token>` into a principal; no header means an anonymous request. */
export async function authenticate(deps: AppDeps, authorization: string | undefined): Promise<Principal | null> {
  if (!authorization) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  const credential = match ? parseCredential(match[1]!) : null;
  if (!credential) throw refused();
  let principal: Principal | null = null;
  if (credential.kind === 'st') {
    const session = await deps.sessions.resolve(credential.secret);
    principal = session && { kind: 'user', userId: session.userId, sessionId: session.sessionId };
  } else if (credential.kind === 'ak') {
    principal = await authenticateApiKey(deps.database.db, credential.prefix!, credential.secret);
    if (principal?.kind === 'api_key') touchApiKey(deps.database.db, deps.store, deps.log, principal);
  } else {
    principal = await authenticateDeviceKey(deps.database.db, credential.prefix!, credential.secret);
  }
  if (!principal) throw refused();
  return principal;
}
