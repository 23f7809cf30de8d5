import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastJson, startNodeChild } from '../support/node-child.js';
import { type Harness, type SeededTenant, startHarness, statements, testEnv } from '../support/harness.js';
import { captureLog, startReceiver } from './support.js';

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean };
type OtlpSpan = { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes: { key: string; value: OtlpValue }[] };
type Loaded = { answer: number; scrape: number; opentelemetry: string[]; sentry: string[]; promClient: boolean };

const attr = (span: OtlpSpan, key: string) => {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? v?.boolValue ?? (v?.intValue === undefined ? undefined : Number(v.intValue));
};

/** What a child gateway process loaded, started with `extra` on top of the test environment. */
async function modulesLoaded(extra: Record<string, string>): Promise<Loaded> {
  const child = startNodeChild('test/observe/fixtures/loaded-modules.ts', [JSON.stringify(testEnv(extra))], 90_000);
  const exit = await child.exit;
  expect(exit.code, exit.stderr).toBe(0);
  return lastJson<Loaded>(exit);
}

describe('tracing off (OTEL_EXPORTER_OTLP_ENDPOINT unset)', () => {
  it('loads no OpenTelemetry module at all; set, it loads the SDK (the check can see them)', async () => {
    const off = await modulesLoaded({});
    expect(off).toMatchObject({ answer: 200, scrape: 200, promClient: true });
    expect(off.opentelemetry).toEqual([]);
    expect(off.sentry).toEqual([]);
    const on = await modulesLoaded({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    expect(on.answer).toBe(200);
    expect(on.opentelemetry).toEqual(expect.arrayContaining(['@opentelemetry/api', '@opentelemetry/sdk-node', '@opentelemetry/exporter-trace-otlp-http']));
  }, 200_000);
});

describe('tracing on, exporting to a local OTLP/HTTP receiver', () => {
  let h: Harness;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let tenant: SeededTenant;
  const captured = captureLog();

  beforeAll(async () => {
    receiver = await startReceiver();
    h = await startHarness({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'gateway-under-test' }, {}, captured.log);
    tenant = await h.seedTenant();
  });

  afterAll(async () => {
    await receiver?.close();
  });

  it('exports a span per request with tenant and operation, child spans for the tenant transaction and each SQL statement, and logs the trace id', async () => {
    const session = await h.login(tenant.ownerEmail);
    const r = await h.gql('query Assets { assets(first: 5) { nodes { id } } currentTenant { id } }', {}, { token: session, tenant: tenant.subdomain });
    expect(r.body.errors).toBeUndefined();
    const requestId = r.headers.get('x-request-id');
    await h.close(); // flushes the spans still batched

    const line = captured.lines().find((l) => l.request_id === requestId && l.msg === 'POST /graphql');
    const traceId = line?.trace_id as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    const exported = receiver.received.filter((req) => req.path === '/v1/traces');
    expect(exported.length).toBeGreaterThan(0);
    expect(exported[0]!.headers['content-type']).toMatch(/application\/json/);
    const bodies = exported.map((req) => JSON.parse(req.body.toString('utf8')) as { resourceSpans: { resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: { spans: OtlpSpan[] }[] }[] });
    const service = bodies[0]!.resourceSpans[0]!.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
    expect(service).toBe('gateway-under-test');
    const spans = bodies.flatMap((b) => b.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((s) => s.spans))).filter((s) => s.traceId === traceId);

    const roots = spans.filter((s) => !s.parentSpanId);
    expect(roots).toHaveLength(1);
    const root = roots[0]!;
    expect(root.name).toBe('graphql adhoc');
    expect(attr(root, 'anthias.tenant_id')).toBe(tenant.id);
    expect(attr(root, 'graphql.operation.name')).toBe('Assets');
    expect(attr(root, 'anthias.outcome')).toBe('ok');

    const transactions = spans.filter((s) => s.name === 'tenant transaction');
    expect(transactions).toHaveLength(1);
    expect(transactions[0]!.parentSpanId).toBe(root.spanId);
    expect(attr(transactions[0]!, 'anthias.tenant_id')).toBe(tenant.id);

    const sql = spans.filter((s) => s.name.startsWith('sql '));
    // Every statement the request reported, but BEGIN and COMMIT (the driver's, not statements it runs).
    expect(sql.length).toBe(statements(r) - 2 * transactions.length);
    const own = new Set([root.spanId, transactions[0]!.spanId]);
    for (const s of sql) {
      expect(own.has(s.parentSpanId!)).toBe(true);
      expect(attr(s, 'db.query.text')).toEqual(expect.any(String));
    }
    expect(sql.some((s) => String(attr(s, 'db.query.text')).includes('set_config'))).toBe(true);
    // Statement text only: the tenant's id is a parameter, never part of a span's SQL.
    expect(sql.every((s) => !String(attr(s, 'db.query.text')).includes(tenant.id))).toBe(true);
  });
});
