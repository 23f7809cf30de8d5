import { sql } from 'drizzle-orm';
import type { Database, Tx } from '../db/client.js';
import { rows } from '../db/rows.js';
import type { Mail } from '../mail/mailer.js';

/**
 * Everything that must happen because a change committed, outside the database: each is written
 * in the change's transaction (the outbox) and carried out after it, retried until it succeeds.
 * Handlers may run more than once (a crash between doing and recording it), so each is idempotent
 * or harmless to repeat.
 */
export type Effect =
  /** The tenant's cached device playlists are stale: set a new playlist generation. */
  | { kind: 'playlists.stale'; payload: { tenantId: string } }
  | { kind: 'mail.send'; payload: Mail }
  /** A tenant was deleted: its keys leave the store and the deleted accounts' sessions end. */
  | { kind: 'tenant.purge'; payload: { tenantId: string; accountIds: string[]; apiKeyIds: string[] } };

export type EffectKind = Effect['kind'];
/** `afterAnswer`: carried out once the response has left, so its time never shows in the response's. */
export type QueuedEffect = Effect & { id: string; afterAnswer?: boolean };
export type EffectHandlers = { [K in EffectKind]: (payload: Extract<Effect, { kind: K }>['payload']) => Promise<void> };

/**
 * Writes the effect in `tx`; it becomes due after `delaySeconds` unless carried out before. With
 * an `origin` (the writing gateway's outbox), only that gateway's worker takes it until it is
 * overdue by the orphan grace; without one (operator commands), any gateway's worker does.
 */
export async function enqueueEffect(tx: Database | Tx, effect: Effect, delaySeconds: number, origin: string | null = null): Promise<QueuedEffect> {
  const [row] = await rows<{ id: string }>(
    tx,
    sql`select anthias_outbox_enqueue(${effect.kind}, ${JSON.stringify(effect.payload)}::jsonb, ${delaySeconds}, ${origin}::text) as id`,
  );
  return { ...effect, id: String(row!.id) };
}
