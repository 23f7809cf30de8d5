import { GraphQLError } from 'graphql';
import { allow, rule } from 'graphql-shield';
import type { IRules } from 'graphql-shield';
import { AppError } from '../errors.js';
import type { Context } from '../graphql/context.js';
import type { Permission } from './permissions.js';

const refuse = (ctx: Context, message: string) =>
  ctx.principal ? new AppError('FORBIDDEN', message) : new AppError('UNAUTHENTICATED', 'Sign in first');

export const isAuthenticated = rule({ cache: 'contextual' })((_p, _a, ctx: Context) =>
  ctx.principal ? true : new AppError('UNAUTHENTICATED', 'Sign in first'),
);

/** `can('assets.create')`: the permission must be in the request's permission set. */
const canRules = new Map<Permission, ReturnType<ReturnType<typeof rule>>>();
export function can(permission: Permission) {
  let r = canRules.get(permission);
  if (!r) {
    r = rule(`can:${permission}`, { cache: 'contextual' })((_p, _a, ctx: Context) =>
      ctx.permissions.has(permission) ? true : refuse(ctx, `Missing permission ${permission}`),
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
  },
};

/** Shield's own refusal is "Not Authorised!" with INTERNAL_SERVER_ERROR; ours is FORBIDDEN. */
export const shieldOptions = {
  fallbackRule: allow,
  fallbackError: new GraphQLError('Not allowed', { extensions: { code: 'FORBIDDEN' } }),
  allowExternalErrors: true,
};
