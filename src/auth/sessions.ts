import type { InvalidationBus } from '../cache/invalidation-bus.js';
import type { KeyValueStore } from '../cache/kv-store.js';
import type { LocalCache } from '../cache/local-cache.js';
import { newSessionToken, sha256 } from './tokens.js';

type SessionRecord = { userId: string; renewedAt: number };

// Renewal rewrites the record, so do it at most this often rather than on every request.
const RENEW_AFTER_MS = 60_000;
const CACHE = 'sessions';
const LOCAL_TTL_MS = 30_000;

/**
 * Sessions live in the key-value store, keyed by the token's hash, with a sliding TTL; this
 * process remembers a resolved session briefly, and a logout drops it on every instance.
 */
export class Sessions {
  private readonly local: LocalCache<string>;

  constructor(
    private readonly store: KeyValueStore,
    private readonly bus: InvalidationBus,
    readonly ttlSeconds: number,
  ) {
    this.local = bus.cache<string>(CACHE, LOCAL_TTL_MS);
  }

  private static key(sessionId: string): string {
    return `session:${sessionId}`;
  }

  async create(userId: string): Promise<{ token: string; expiresAt: Date }> {
    const token = newSessionToken();
    const record: SessionRecord = { userId, renewedAt: Date.now() };
    await this.store.set(Sessions.key(sha256(token)), JSON.stringify(record), this.ttlSeconds);
    return { token, expiresAt: new Date(record.renewedAt + this.ttlSeconds * 1000) };
  }

  /** The session's user and id (the token's hash), renewing its TTL; null when unknown, expired or revoked. */
  async resolve(token: string): Promise<{ userId: string; sessionId: string } | null> {
    const sessionId = sha256(token);
    const userId = this.local.get(sessionId);
    if (userId) return { userId, sessionId };
    const key = Sessions.key(sessionId);
    const raw = await this.store.get(key);
    if (!raw) return null;
    const record = JSON.parse(raw) as SessionRecord;
    if (Date.now() - record.renewedAt > RENEW_AFTER_MS) {
      await this.store.set(key, JSON.stringify({ ...record, renewedAt: Date.now() }), this.ttlSeconds);
    }
    this.local.set(sessionId, record.userId);
    return { userId: record.userId, sessionId };
  }

  async revoke(sessionId: string): Promise<void> {
    await this.store.del(Sessions.key(sessionId));
    await this.bus.invalidate(CACHE, [sessionId]);
  }
}
