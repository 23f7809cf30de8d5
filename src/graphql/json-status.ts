import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../tenancy/context.js';

// Errors of the document or its variables, as Apollo codes them before they are formatted.
const DOCUMENT_ERRORS = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

/**
 * GraphQL over HTTP: a client that accepts only `application/json` (or sends no Accept) gets 200
 * for a well-formed request whose document or variables were refused, with the errors in the
 * body; a client that accepts `application/graphql-response+json` (Apollo Client does) keeps the
 * 400. HTTP status only: nothing of the request's lifecycle lives here.
 */
export const jsonStatusPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ request, response, errors }) {
        if (response.http.status !== 400 || !errors?.length) return;
        if ((request.http?.headers.get('accept') ?? '').includes('application/graphql-response+json')) return;
        if (errors.every((e) => DOCUMENT_ERRORS.has(String(e.extensions?.code)))) response.http.status = 200;
      },
    };
  },
};
