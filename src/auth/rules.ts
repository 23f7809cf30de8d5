import { GraphQLError } from 'graphql';
import { allow, rule } from 'graphql-shield';
import type { IRules } from 'graphql-shield';
import { AppError } from '../errors.js';
import type { RequestContext } from '../tenancy/context.js';
import type { Permission } from './permissions.js';

const refuse = (ctx: RequestContext, message: string) =>
  ctx.principal ? new AppError('FORBIDDEN', message) : new AppError('UNAUTHENTICATED', 'Sign in first');

/**
 * What keeps a signed-in person from everything but settling their account (null: nothing): an
 * address not verified yet, or an organisation that requires a second factor they have not enrolled.
 */
function restriction(ctx: RequestContext, enrolling = false): AppError | null {
  const p = ctx.principal;
  if (p?.kind !== 'user') return null;
  if (!p.emailVerified) {
    return new AppError('EMAIL_NOT_VERIFIED', 'Confirm your email address first: follow the link we mailed you, or ask for a new one with resendVerification');
  }
  if (!enrolling && ctx.tenant?.requireSecondFactor && !p.secondFactor) {
    return new AppError('SECOND_FACTOR_ENROLMENT_REQUIRED', 'This organisation requires a second factor: enrol one first (beginTotpEnrolment, then confirmTotpEnrolment)');
  }
  return null;
}

/** A person signed in with a session, whatever the state of their account (to settle it). */
export const isSignedIn = rule({ cache: 'contextual' })((_p, _a, ctx: RequestContext) =>
  ctx.principal?.kind === 'user' ? true : refuse(ctx, 'Only a signed-in user may do this'),
);

/** A signed-in person with a verified address, setting up their second factor. */
export const isEnrolling = rule({ cache: 'contextual' })((_p, _a, ctx: RequestContext) =>
  ctx.principal?.kind === 'user' ? (restriction(ctx, true) ?? true) : refuse(ctx, 'Only a signed-in user may do this'),
);

/** A person signed in with a session (not a key) whose account is in order. */
export const isUser = rule({ cache: 'contextual' })((_p, _a, ctx: RequestContext) =>
  ctx.principal?.kind === 'user' ? (restriction(ctx) ?? true) : refuse(ctx, 'Only a signed-in user may do this'),
);

/** A screen, with its device key. */
export const isDevice = rule({ cache: 'contextual' })((_p, _a, ctx: RequestContext) =>
  ctx.principal?.kind === 'device' ? true : refuse(ctx, 'Only a device key may do this'),
);

/** An active member of the request's organisation (any role). */
export const isMember = rule({ cache: 'contextual' })((_p, _a, ctx: RequestContext) =>
  restriction(ctx) ?? (ctx.permissions.size > 0 ? true : refuse(ctx, 'Only members of this organisation may see this')),
);

/** `can('assets.create')`: the permission must be in the request's permission set. */
const canRules = new Map<Permission, ReturnType<ReturnType<typeof rule>>>();
export function can(permission: Permission) {
  let r = canRules.get(permission);
  if (!r) {
    r = rule(`can:${permission}`, { cache: 'contextual' })((_p, _a, ctx: RequestContext) =>
      restriction(ctx) ?? (ctx.permissions.has(permission) ? true : refuse(ctx, `Missing permission ${permission}`)),
    );
    canRules.set(permission, r);
  }
  return r;
}

/**
 * The rule tree. Every Query and Mutation field not named here is denied; fields of object types
 * are reachable only through a root field that passed, so they carry rules only where declared.
 */
export const ruleTree: IRules = {
  Query: {
    currentTenant: allow,
    me: isSignedIn,
    mySessions: isUser,
    assets: can('assets.view'),
    asset: can('assets.view'),
    apiKeys: can('apikeys.manage'),
    auditLogs: can('audit.view'),
    devices: can('devices.view'),
    device: can('devices.view'),
    devicePlaylist: isDevice,
    qrContents: can('qr.view'),
    qrContent: can('qr.view'),
    members: can('members.view'),
    invitations: can('members.view'),
    domains: can('tenant.manage'),
  },
  Mutation: {
    login: allow,
    logout: isSignedIn,
    verifyEmail: allow,
    resendVerification: isSignedIn,
    changePassword: isUser,
    revokeSession: isUser,
    logoutEverywhere: isSignedIn,
    beginTotpEnrolment: isEnrolling,
    confirmTotpEnrolment: isEnrolling,
    disableTotp: isUser,
    requireSecondFactor: can('tenant.manage'),
    requestPasswordReset: allow,
    resetPassword: allow,
    createAsset: can('assets.create'),
    updateAsset: can('assets.update'),
    deleteAsset: can('assets.delete'),
    reorderAssets: can('assets.update'),
    createApiKey: can('apikeys.manage'),
    revokeApiKey: can('apikeys.manage'),
    createDevice: can('devices.create'),
    updateDevice: can('devices.update'),
    deleteDevice: can('devices.delete'),
    rotateDeviceKey: can('devices.update'),
    registerDevice: allow,
    pollPairing: allow,
    claimDevice: can('devices.create'),
    deviceHeartbeat: isDevice,
    createQrContent: can('qr.create'),
    updateQrContent: can('qr.update'),
    deleteQrContent: can('qr.delete'),
    inviteMember: can('members.invite'),
    revokeInvitation: can('members.invite'),
    acceptInvitation: allow,
    updateMemberRole: can('members.update'),
    deactivateMember: can('members.update'),
    reactivateMember: can('members.update'),
    removeMember: can('members.remove'),
    transferOwnership: can('tenant.manage'),
    updateTenantSettings: can('tenant.manage'),
    addDomain: can('tenant.manage'),
    verifyDomain: can('tenant.manage'),
    removeDomain: can('tenant.manage'),
    signUp: allow,
  },
  // Name, subdomain and theme are public (a sign-in page paints itself); the rest is for members.
  Tenant: {
    plan: isMember,
    limits: isMember,
    contactEmail: isMember,
    usage: isMember,
  },
};

/** Shield's own refusal is "Not Authorised!" with INTERNAL_SERVER_ERROR; ours is FORBIDDEN. */
export const shieldOptions = {
  fallbackRule: allow,
  fallbackError: new GraphQLError('Not allowed', { extensions: { code: 'FORBIDDEN' } }),
  allowExternalErrors: true,
};
