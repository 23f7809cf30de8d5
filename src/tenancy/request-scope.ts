import { type ExecutionResult, GraphQLError, type OperationTypeNode } from 'graphql';
import type { AppDeps } from '../app-deps.js';
import { authenticate } from '../auth/authenticate.js';
import { loadPermissions } from '../auth/load-permissions.js';
import { NO_PERMISSIONS } from '../auth/permissions.js';
import { actingUserId, credentialTenant } from '../auth/principal.js';
import type { Database, StatementMeter } from '../db/client.js';
import { AppError, asUnavailable, clientCode, unavailableDependency } from '../errors.js';
import { traceRequest } from '../observe/tracing.js';
import { type DocumentResolution, registerDocument, requireTrusted } from '../persisted/documents.js';
import type { RequestContext } from './context.js';
import { idempotencyClaim, type IdempotencyClaim, recordIdempotentResult, takeIdempotencyKey } from './idempotency.js';
import { createLoaders } from './loaders.js';
import type { RequestTrace } from './request-trace.js';
import { ANONYMOUS_MAX_QUERY_COST } from '../modules/tenants/plans.js';
import { resolveTenant } from './resolve-tenant.js';
import { RequestTransaction } from './tenant-transaction.js';

/** What the protocol layer (HTTP today; a WebSocket or a compiled path alike) knows of a request. */
export type RequestInput = {
  requestId: string;
  clientIp: string;
  userAgent: string | null;
  authorization?: string;
  host?: string;
  tenantHeader?: string;
  /** The Idempotency-Key header: a mutation retried with it runs once. */
  idempotencyKey?: string;
  document: Omit<DocumentResolution, 'request'>;
};

export type ResponseSummary = { method: string; path: string; status: number; durationMs: number };

// Apollo hands the executor a shallow copy of the context: the scope travels in a private key.
const SCOPE = Symbol('request scope');

const COMMIT_FAILED = new GraphQLError('Internal server error', {
  extensions: { code: 'INTERNAL_SERVER_ERROR', http: { status: 500 } },
});
const OUTCOME_UNKNOWN = AppError.request(
  'OUTCOME_UNKNOWN',
  'The database connection failed while committing: the change may or may not have been saved. Check before retrying, or retry with the same Idempotency-Key.',
);

/** Field errors that only say a dependency is down become SERVICE_UNAVAILABLE (503). */
function withUnavailable(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.some((e) => unavailableDependency(e))) return result;
  return {
    ...result,
    errors: result.errors.map((e) => {
      const mapped = asUnavailable(e);
      return mapped ? new GraphQLError(mapped.message, { nodes: e.nodes, path: e.path, extensions: mapped.extensions }) : e;
    }),
  };
}

/**
 * One request, from credential to log line (DESIGN: "one request scope"). The protocol layer
 * creates it, calls `open` to build the context (credential, tenant, limits), `execute` around the
 * operation (read-only decision, permissions, the tenant transaction, commit or roll back), and
 * `end` once the response is sent (the one log line). Nothing of this lives in Apollo's hooks.
 */
export class RequestScope {
  readonly trace: RequestTrace;
  private ctx?: RequestContext;
  private executed = false;
  private readonly releases: (() => void)[] = [];
  private readonly meter: StatementMeter = { statements: 0 };
  /** The pool as this request sees it: everything the request runs goes through it, and is counted. */
  private readonly pool: Database;

  constructor(
    private readonly deps: AppDeps,
    private readonly input: RequestInput,
  ) {
    this.trace = { operationName: null, tenantId: null, principal: null, statements: 0, errorCodes: [], document: input.document.origin };
    this.pool = deps.database.metered(this.meter);
  }

  /** The scope a context belongs to (the executor gets only the context from Apollo). */
  static of(ctx: RequestContext): RequestScope {
    const scope = (ctx as { [SCOPE]?: RequestScope })[SCOPE];
    if (!scope) throw new Error('context built outside a request scope');
    return scope;
  }

  /** Runs the protocol layer's whole handling of the request. */
  run<T>(handle: () => Promise<T>): Promise<T> {
    return traceRequest(this.trace, async () => {
      try {
        return await handle();
      } finally {
        // Settled already unless the request failed before or during execution.
        await this.ctx?.db.finish(false);
        for (const release of this.releases.splice(0)) release();
        this.trace.statements = this.meter.statements;
      }
    });
  }

  /** Credential, then tenant, then limits; request-level refusals are thrown, coded. */
  async open(): Promise<RequestContext> {
    const { deps, input } = this;
    try {
      if (input.document.refusal) throw input.document.refusal;
      const principal = await authenticate(deps, input.authorization, this.pool);
      if (principal?.kind === 'device' || deps.config.persistedQueriesOnly) requireTrusted(input.document.origin);
      const boundTo = credentialTenant(principal);
      const tenant = await resolveTenant(deps.directory, deps.config.baseDomain, {
        host: input.host,
        tenantHeader: input.tenantHeader,
        credentialTenantId: boundTo,
      }, this.pool);
      if (boundTo && tenant && boundTo !== tenant.id) {
        throw AppError.request('FORBIDDEN', 'This credential belongs to another organisation');
      }
      // A tenant's limit is spent by its members, keys and devices; anonymous traffic is counted
      // per address and never spends it.
      if (tenant && principal) await deps.limiter.consume('requests.tenant', tenant.id, { max: tenant.requestsPerMinute });
      else await deps.limiter.consume('requests.anonymous', input.clientIp);
      // Fair share: a tenant holds only so many requests and connections at once.
      if (tenant) this.releases.push(await deps.gates.acquire('requests.tenant', tenant.id));
      const db: RequestTransaction = new RequestTransaction(
        this.pool,
        () => ({ tenantId: tenant?.id ?? null, userId: actingUserId(principal), readOnly: db.readOnly, timeoutMs: deps.config.db.statementTimeoutMs }),
        async () => {
          const own = tenant ? await deps.gates.acquire('connections.tenant', tenant.id) : () => {};
          try {
            const pool = await deps.gates.acquire('connections.pool', 'all');
            return () => {
              pool();
              own();
            };
          } catch (err) {
            own();
            throw err;
          }
        },
        deps.outbox.origin,
      );
      this.trace.tenantId = tenant?.id ?? null;
      this.trace.principal = principal?.kind ?? null;
      const ctx: RequestContext & { [SCOPE]: RequestScope } = {
        [SCOPE]: this,
        requestId: input.requestId,
        tenant,
        principal,
        permissions: NO_PERMISSIONS,
        db,
        pool: this.pool,
        loaders: createLoaders(db),
        log: deps.log.child({ request_id: input.requestId, tenant_id: tenant?.id, principal: principal?.kind }),
        client: { ip: input.clientIp, userAgent: input.userAgent },
        deps,
      };
      this.ctx = ctx;
      return ctx;
    } catch (err) {
      const error = asUnavailable(err) ?? err;
      this.trace.errorCodes = [clientCode(error)];
      this.reportInternal([error]);
      throw error;
    }
  }

  /**
   * One operation: only mutations may write; permissions load once the operation is known (shield
   * rules read them); the transaction commits when the operation succeeded entirely and rolls
   * back otherwise, so a failed mutation leaves nothing, its audit row included.
   */
  async execute(
    ctx: RequestContext,
    operation: { type: OperationTypeNode; name: string | null; cost: number; source: string; variables?: Record<string, unknown>; needsPermissions?: boolean },
    run: () => Promise<ExecutionResult>,
  ): Promise<ExecutionResult> {
    this.executed = true;
    this.trace.operationName = operation.name;
    ctx.db.readOnly = operation.type !== 'mutation';
    let result: ExecutionResult;
    let claim: IdempotencyClaim | undefined;
    try {
      const maxCost = ctx.tenant?.maxQueryCost ?? ANONYMOUS_MAX_QUERY_COST;
      if (operation.cost > maxCost) {
        throw AppError.request('QUERY_TOO_COMPLEX', `This request would cost ${operation.cost}; the plan allows ${maxCost}. Ask for smaller pages or fewer fields.`, { cost: operation.cost, maxCost });
      }
      ctx.permissions = operation.needsPermissions === false ? NO_PERMISSIONS : await loadPermissions(ctx);
      if (operation.type === 'mutation' && this.input.idempotencyKey !== undefined) {
        claim = idempotencyClaim(this.input.idempotencyKey, ctx.principal, ctx.tenant?.id ?? null, { ...operation, operationName: operation.name });
        const replay = await takeIdempotencyKey(await ctx.db.get(), ctx.tenant!.id, claim);
        if (replay) {
          await ctx.db.finish(false);
          return replay;
        }
      }
      result = withUnavailable(await run());
      if (claim && !result.errors?.length) await recordIdempotentResult(await ctx.db.get(), ctx.tenant!.id, claim, result);
    } catch (err) {
      await ctx.db.finish(false).catch(() => []);
      const error = asUnavailable(err) ?? err;
      this.trace.errorCodes = [clientCode(error)];
      this.reportInternal([error]);
      throw error;
    }
    const errors = result.errors ?? [];
    // Without data, the operation never ran: its variables were refused.
    this.trace.errorCodes = errors.map((e) => (result.data === undefined ? clientCode(e, 'BAD_USER_INPUT') : clientCode(e)));
    this.reportInternal(errors);
    let effects;
    try {
      effects = await ctx.db.finish(errors.length === 0);
    } catch (err) {
      // A connection lost during COMMIT leaves the outcome unknown; a refused COMMIT rolled back.
      const unknown = unavailableDependency(err) === 'database';
      const error = unknown ? OUTCOME_UNKNOWN : COMMIT_FAILED;
      this.trace.errorCodes = [clientCode(error)];
      if (unknown) ctx.log.error({ err }, 'commit outcome unknown: the connection failed during COMMIT');
      else this.reportInternal([err]);
      return { data: null, errors: [error] };
    }
    // Committed: from here nothing may turn the result into an error.
    await this.deps.outbox.runNow(effects.filter((e) => !e.afterAnswer));
    void this.deps.outbox.runNow(effects.filter((e) => e.afterAnswer));
    if (this.input.document.register && !errors.length) {
      await registerDocument(this.deps, this.input.document.register, { tenantId: ctx.principal ? (ctx.tenant?.id ?? null) : null, address: ctx.client.ip });
    }
    return result;
  }

  /**
   * The response body as sent. Every error in it carries the request's id, so a user can quote it
   * (the log line and Sentry have it too), whoever produced the error: a resolver, the scope, or
   * Apollo before execution. The codes of a refusal the scope did not produce itself (parse,
   * validation, persisted-query errors) go into the trace.
   */
  responseBody(status: number, body: string): string {
    const refusal = status >= 400 && !this.executed && !this.trace.errorCodes.length;
    // Apollo writes `errors` first (orderExecutionResultFields): a body without it is sent as it is.
    if (!refusal && !body.startsWith('{"errors":')) return body;
    let parsed: { errors?: { extensions?: Record<string, unknown> }[] };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      if (refusal) this.trace.errorCodes = ['INTERNAL_SERVER_ERROR'];
      return body;
    }
    const errors = parsed.errors ?? [];
    if (refusal) this.trace.errorCodes = errors.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
    for (const error of errors) error.extensions = { ...error.extensions, requestId: this.input.requestId };
    return `${JSON.stringify(parsed)}\n`;
  }

  /**
   * Errors whose code (in `trace.errorCodes`, same order) is INTERNAL_SERVER_ERROR: the client sees
   * only that and the request id, so each is reported once, with its stack, here.
   */
  private reportInternal(errors: readonly unknown[]): void {
    errors.forEach((err, i) => {
      if (this.trace.errorCodes[i] !== 'INTERNAL_SERVER_ERROR') return;
      const { tenant, principal } = this.ctx ?? {};
      this.deps.observe.failed(err, {
        requestId: this.input.requestId,
        tenantId: tenant?.id ?? null,
        plan: tenant?.plan ?? null,
        principal: principal?.kind ?? null,
        userId: actingUserId(principal ?? null),
        operation: this.trace.operationName,
        traceId: this.trace.traceId,
      });
    });
  }

  /** The one log line of the request, and its metrics. */
  end(response: ResponseSummary): void {
    logRequest(this.deps.log, this.input.requestId, response, this.trace);
    this.deps.observe.requestEnded(this.trace, response);
  }
}

/** The request log line; requests outside GraphQL (health, QR redirects) log it with no trace. */
export function logRequest(log: AppDeps['log'], requestId: string, response: ResponseSummary, trace?: RequestTrace): void {
  log.info(
    {
      request_id: requestId,
      operation: trace?.operationName ?? null,
      tenant_id: trace?.tenantId ?? null,
      principal: trace?.principal ?? null,
      status: response.status,
      duration_ms: Math.round(response.durationMs * 10) / 10,
      sql_statements: trace?.statements ?? 0,
      outcome: trace?.errorCodes.length ? trace.errorCodes.join(',') : response.status < 400 ? 'ok' : 'failed',
      trace_id: trace?.traceId,
    },
    `${response.method} ${response.path}`,
  );
}
