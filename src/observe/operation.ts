import type { RequestTrace } from '../tenancy/request-trace.js';

/**
 * A request's operation as metrics and span names show it, from a bounded set: a trusted
 * (manifest) document by its name, any other document as `adhoc`, and `none` when the request
 * carried no document. A client's own operation names never become a label.
 */
export function operationLabel(trace: RequestTrace): string {
  if (trace.document === 'trusted') return trace.operationName ?? 'anonymous';
  return trace.document === 'none' ? 'none' : 'adhoc';
}
