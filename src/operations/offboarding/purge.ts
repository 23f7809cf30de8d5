import { apiKeyUsedKey } from '../../auth/api-key-auth.js';
import type { Sessions } from '../../auth/sessions.js';
import type { KeyValueStore } from '../../cache/kv-store.js';
import type { Limiter } from '../../limits/limiter.js';
import { isTenantLimit } from '../../limits/policies.js';
import { purgePlaylists } from '../../modules/devices/playlist-cache.js';
import type { Effect } from '../../outbox/effects.js';

type Purge = Extract<Effect, { kind: 'tenant.purge' }>['payload'];

/**
 * A deleted tenant's keys in the store: cached playlists and their generation, its limit
 * counters, its API keys' last-use markers, and the sessions of the accounts deleted with it.
 * Run by a gateway's outbox worker (the store is the gateway's); repeating it is harmless.
 */
export async function purgeTenant(deps: { store: KeyValueStore; sessions: Sessions; limiter: Limiter<string> }, purge: Purge): Promise<void> {
  await purgePlaylists(deps.store, purge.tenantId);
  await deps.limiter.forget(purge.tenantId, isTenantLimit);
  await deps.store.del(...purge.apiKeyIds.map(apiKeyUsedKey));
  await deps.sessions.revokeUsers(purge.accountIds);
}
