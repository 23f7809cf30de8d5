import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { loadPermissions } from '../auth/load-permissions.js';
import type { Context } from './context.js';

/**
 * Once the operation is known: decide read-only and load the caller's permissions (shield rules
 * read them). Before the response leaves: commit, or roll back everything if anything failed.
 */
export const lifecyclePlugin: ApolloServerPlugin<Context> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ contextValue: ctx, operation, operationName }) {
        ctx.trace.operationName = operationName ?? null;
        ctx.db.readOnly = operation?.operation !== 'mutation';
        ctx.permissions = await loadPermissions(ctx);
      },
      async willSendResponse({ contextValue: ctx, response }) {
        const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
        const errors = body?.errors ?? [];
        ctx.trace.errorCodes = errors.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
        try {
          await ctx.db.finish(errors.length === 0);
        } catch (err) {
          ctx.log.error({ err }, 'transaction commit failed');
          ctx.trace.errorCodes = ['INTERNAL_SERVER_ERROR'];
          response.http.status = 500;
          if (body) {
            body.data = null;
            body.errors = [new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })];
          }
        }
      },
    };
  },
};
