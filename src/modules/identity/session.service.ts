import { sql } from 'drizzle-orm';
import { rows } from '../../db/rows.js';
import { AppError, notFound } from '../../errors.js';
import type { RequestContext } from '../../tenancy/context.js';
import type { SessionInfo } from './session.type.js';

type SessionRow = { id: string; created_at: string | Date; last_used_at: string | Date; expires_at: string | Date; ip_address: string | null; user_agent: string | null };

function caller(ctx: RequestContext) {
  if (ctx.principal?.kind !== 'user') throw new AppError('UNAUTHENTICATED', 'Sign in first');
  return ctx.principal;
}

/** The caller's live sessions, most recently used first, the current one marked. */
export async function mySessions(ctx: RequestContext): Promise<SessionInfo[]> {
  const me = caller(ctx);
  const found = await rows<SessionRow>(await ctx.db.get(), sql`select * from anthias_my_sessions()`);
  return found.map((s) => ({
    id: s.id,
    createdAt: new Date(s.created_at),
    lastUsedAt: new Date(s.last_used_at),
    expiresAt: new Date(s.expires_at),
    ipAddress: s.ip_address,
    userAgent: s.user_agent,
    current: s.id === me.sessionId,
  }));
}

/** Ends one of the caller's sessions (another person's is NOT_FOUND, like a missing one). */
export async function revokeSession(ctx: RequestContext, id: string): Promise<string> {
  caller(ctx);
  if (!/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(id)) throw notFound('Session');
  const ended = await ctx.deps.sessions.revokeOwn(await ctx.db.get(), { only: id });
  if (!ended) throw notFound('Session');
  return id;
}

/** Ends every session of the caller, this one included; returns how many. */
export async function logoutEverywhere(ctx: RequestContext): Promise<number> {
  caller(ctx);
  return ctx.deps.sessions.revokeOwn(await ctx.db.get(), {});
}
