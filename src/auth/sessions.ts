import { sql } from 'drizzle-orm';
import type { InvalidationBus } from '../cache/invalidation-bus.js';
import type { LocalCache } from '../cache/local-cache.js';
import type { Database, Tx } from '../db/client.js';
import { rows } from '../db/rows.js';
import { newSessionToken, sha256 } from './tokens.js';

/** Keyed by token hash; the `sessions_dropped` trigger announces every deleted session on it. */
export const SESSION_CACHE = 'sessions';
/** Keyed by user id: what a request needs of the account (announced when it changes). */
export const ACCOUNT_CACHE = 'accounts';
const LOCAL_TTL_MS = 30_000;

type CachedSession = { sessionId: string; userId: string; expiresAt: number };
export type AccountState = { emailVerified: boolean; secondFactor: boolean };
export type ResolvedSession = { userId: string; sessionId: string } & AccountState;
export type SessionClient = { ip: string; userAgent: string | null };

/**
 * Sessions live in PostgreSQL (table `sessions`, reached only through SECURITY DEFINER functions),
 * keyed by the token's hash, with a sliding expiry renewed at most once a minute. A request finds
 * its session in this process's cache; any deletion of a session row, whatever its path, drops it
 * on every instance when it commits (a trigger announces it through the invalidation bus), and a
 * change to an account's state is announced by the code that makes it (`forgetAccount`).
 */
export class Sessions {
  private readonly sessions: LocalCache<CachedSession>;
  private readonly accounts: LocalCache<AccountState>;

  constructor(
    private readonly db: Database,
    private readonly bus: InvalidationBus,
    readonly ttlSeconds: number,
  ) {
    this.sessions = bus.cache<CachedSession>(SESSION_CACHE, LOCAL_TTL_MS);
    this.accounts = bus.cache<AccountState>(ACCOUNT_CACHE, LOCAL_TTL_MS);
  }

  /** A new session, written in `tx` (it exists once that commits). */
  async create(tx: Database | Tx, userId: string, client: SessionClient): Promise<{ token: string; expiresAt: Date; sessionId: string }> {
    const token = newSessionToken();
    const [row] = await rows<{ id: string; expires_at: string | Date }>(
      tx,
      sql`select * from anthias_session_create(${sha256(token)}, ${userId}::uuid, ${this.ttlSeconds}, ${client.ip}::inet, ${client.userAgent})`,
    );
    return { token, expiresAt: new Date(row!.expires_at), sessionId: row!.id };
  }

  /**
   * The session's user, id and account state; null when unknown, expired or revoked. `db`: the
   * request's view of the pool (DatabaseHandle.metered), so a look-up counts toward the request.
   */
  async resolve(token: string, db: Database): Promise<ResolvedSession | null> {
    const hash = sha256(token);
    let loaded: AccountState | undefined;
    // A remembered session past its expiry is asked for again (its use elsewhere may have renewed it).
    const unexpired = (s: CachedSession) => s.expiresAt > Date.now();
    const session = await this.sessions.getOrLoad(hash, async () => {
      const [row] = await rows<{ id: string; user_id: string; expires_at: string | Date; email_verified: boolean; second_factor: boolean }>(
        db,
        sql`select * from anthias_session_resolve(${hash}, ${this.ttlSeconds})`,
      );
      if (!row) return null;
      loaded = { emailVerified: row.email_verified, secondFactor: row.second_factor };
      return { sessionId: row.id, userId: row.user_id, expiresAt: new Date(row.expires_at).getTime() };
    }, unexpired);
    if (!session) return null;
    const account = await this.accounts.getOrLoad(session.userId, async () => loaded ?? (await this.accountState(session.userId, db)));
    if (!account) return null;
    return { userId: session.userId, sessionId: session.sessionId, ...account };
  }

  private async accountState(userId: string, db: Database): Promise<AccountState | null> {
    const [row] = await rows<{ email_verified: boolean; second_factor: boolean }>(db, sql`select * from anthias_account_state(${userId}::uuid)`);
    return row ? { emailVerified: row.email_verified, secondFactor: row.second_factor } : null;
  }

  /**
   * Ends sessions of the signed-in user of `tx` (its app.current_user_id): one, or all but one, or
   * all. Dropped here at once; every other instance drops them when `tx` commits.
   */
  async revokeOwn(tx: Tx, which: { only?: string; except?: string }): Promise<number> {
    const gone = await rows<{ token_hash: string }>(
      tx,
      sql`select token_hash from anthias_revoke_my_sessions(${which.only ?? null}::uuid, ${which.except ?? null}::uuid) as token_hash`,
    );
    for (const { token_hash } of gone) this.sessions.delete(token_hash);
    return gone.length;
  }

  /** Ends every session of these accounts (an offboarded tenant's former members); harmless to repeat. */
  async revokeUsers(userIds: Iterable<string>): Promise<number> {
    const ids = [...new Set(userIds)];
    if (!ids.length) return 0;
    this.forgetUsersHere(ids);
    const [row] = await rows<{ n: number }>(this.db, sql`select anthias_revoke_user_sessions(array(select value::uuid from json_array_elements_text(${JSON.stringify(ids)}::json))) as n`);
    return Number(row?.n ?? 0);
  }

  /**
   * `tx` ended every session of the account in SQL that names no token (a password reset, an
   * unverified account taken over through an invitation) and changed its state. This instance
   * drops them at once: the trigger's announcement reaches it too, but only after the commit, so
   * the answer could otherwise beat it to the next request. Every instance reloads the account.
   */
  async accountReset(tx: Database | Tx, userId: string): Promise<void> {
    this.forgetUsersHere([userId]);
    await this.forgetAccount(tx, userId);
  }

  /** Drops these accounts' sessions from this instance's cache (see accountReset). */
  private forgetUsersHere(userIds: Iterable<string>): void {
    const ids = new Set(userIds);
    this.sessions.deleteWhere((s) => ids.has(s.userId));
  }

  /** The account's state changed in `tx` (address verified, second factor on or off): every instance reloads it after the commit. */
  async forgetAccount(tx: Database | Tx, userId: string): Promise<void> {
    await this.bus.announce(ACCOUNT_CACHE, [userId], tx);
  }
}
