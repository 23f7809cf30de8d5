/** What one request did, filled as it goes and logged once when the response is sent. */
import type { DocumentOrigin } from '../persisted/trusted-documents.js';
import type { RequestTransaction } from '../tenancy/tenant-transaction.js';

export type RequestTrace = {
  operationName: string | null;
  tenantId: string | null;
  principal: string | null;
  statements: number;
  errorCodes: string[];
  document: DocumentOrigin;
  /** Rolled back after the response if nothing settled it (an aborted request). */
  transaction?: RequestTransaction;
};

declare module 'fastify' {
  interface FastifyRequest {
    trace: RequestTrace;
  }
}

export const newTrace = (): RequestTrace => ({
  operationName: null,
  tenantId: null,
  principal: null,
  statements: 0,
  errorCodes: [],
  document: 'none',
});
