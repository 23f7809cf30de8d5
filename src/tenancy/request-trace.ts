import type { DocumentOrigin } from '../persisted/documents.js';

/** What one request did, filled as it goes and logged once by the request scope. */
export type RequestTrace = {
  operationName: string | null;
  tenantId: string | null;
  principal: string | null;
  statements: number;
  errorCodes: string[];
  document: DocumentOrigin;
  /** Set while tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT): the request span's trace. */
  traceId?: string;
};
