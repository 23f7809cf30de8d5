import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { ExecutionResult } from 'graphql';
import type { Principal } from '../auth/principal.js';
import type { Database, Tx } from '../db/client.js';
import { rows } from '../db/rows.js';
import { AppError } from '../errors.js';

/** How long a key is honoured: a client retrying later than this sends a new request. */
export const IDEMPOTENCY_TTL_SECONDS = 86_400;
const KEY = /^[\x21-\x7e]{1,255}$/;
// Shown once when a mutation first answers; a replay never repeats them.
const SECRET_FIELDS = new Set(['secret', 'deviceKey', 'token', 'sessionToken']);

export type IdempotencyClaim = { key: string; principal: string; requestHash: string };

const principalRef = (p: Principal): string => (p.kind === 'user' ? `user:${p.userId}` : p.kind === 'api_key' ? `api_key:${p.keyId}` : `device:${p.deviceId}`);

/** The claim a mutation's Idempotency-Key makes, or a coded refusal when it cannot be honoured. */
export function idempotencyClaim(
  key: string,
  principal: Principal | null,
  tenantId: string | null,
  request: { source: string; variables?: Record<string, unknown>; operationName: string | null },
): IdempotencyClaim {
  if (!KEY.test(key)) throw AppError.request('BAD_USER_INPUT', 'Idempotency-Key must be 1 to 255 printable ASCII characters');
  if (!principal || !tenantId) throw AppError.request('BAD_USER_INPUT', 'Idempotency-Key needs a signed-in caller in an organisation');
  const requestHash = createHash('sha256').update(JSON.stringify([request.source, request.variables ?? {}, request.operationName])).digest('hex');
  return { key, principal: principalRef(principal), requestHash };
}

/**
 * Takes the key in the mutation's transaction. A concurrent request with the same key waits here
 * until the first commits (then replays its answer) or rolls back (then runs itself). Returns the
 * answer to replay, or null when the mutation should run.
 */
export async function takeIdempotencyKey(tx: Tx, tenantId: string, claim: IdempotencyClaim): Promise<ExecutionResult | null> {
  const taken = await rows<{ taken: boolean }>(
    tx,
    sql`insert into idempotency_keys (tenant_id, principal, key, request_hash) values (${tenantId}, ${claim.principal}, ${claim.key}, ${claim.requestHash})
        on conflict (tenant_id, principal, key) do update set request_hash = excluded.request_hash, response = null, created_at = now()
          where idempotency_keys.created_at < now() - make_interval(secs => ${IDEMPOTENCY_TTL_SECONDS})
        returning true as taken`,
  );
  if (taken.length) return null;
  const [earlier] = await rows<{ request_hash: string; response: ExecutionResult | null }>(
    tx,
    sql`select request_hash, response from idempotency_keys where tenant_id = ${tenantId} and principal = ${claim.principal} and key = ${claim.key}`,
  );
  if (!earlier || earlier.request_hash !== claim.requestHash) {
    throw AppError.request('BAD_USER_INPUT', 'This Idempotency-Key was used for a different request; use a new key for a new request');
  }
  return { ...earlier.response, extensions: { idempotentReplay: true } };
}

/** Records the answer with the mutation (secrets it showed once are not kept). */
export async function recordIdempotentResult(tx: Tx, tenantId: string, claim: IdempotencyClaim, result: ExecutionResult): Promise<void> {
  const stored = { data: withoutSecrets(result.data) };
  await tx.execute(
    sql`update idempotency_keys set response = ${JSON.stringify(stored)}::jsonb where tenant_id = ${tenantId} and principal = ${claim.principal} and key = ${claim.key}`,
  );
}

function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (!value || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_FIELDS.has(k) && typeof v === 'string' ? null : withoutSecrets(v)]));
}

/** Forgets expired records of every tenant (the gateways' background janitor calls it). */
export async function pruneIdempotencyKeys(db: Database): Promise<void> {
  await db.execute(sql`select anthias_idempotency_prune(${IDEMPOTENCY_TTL_SECONDS})`);
}
