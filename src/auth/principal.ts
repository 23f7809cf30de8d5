/** Who is calling, as established from the request's credential. */
export type Principal =
  | { kind: 'user'; userId: string; sessionId: string; emailVerified: boolean; secondFactor: boolean }
  | { kind: 'api_key'; keyId: string; tenantId: string; userId: string | null; permissions: readonly string[] }
  | { kind: 'device'; deviceId: string; tenantId: string };

/** The tenant a credential is bound to, if any (sessions are not: a person may belong to several). */
export const credentialTenant = (p: Principal | null): string | undefined =>
  p && p.kind !== 'user' ? p.tenantId : undefined;

/** The user whose rights the principal exercises (an API key acts within its creator's). */
export const actingUserId = (p: Principal | null): string | null =>
  p?.kind === 'user' ? p.userId : p?.kind === 'api_key' ? p.userId : null;
