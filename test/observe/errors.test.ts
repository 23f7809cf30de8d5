import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, type SeededTenant, startHarness, uniq } from '../support/harness.js';
import { captureLog, startReceiver } from './support.js';

/**
 * An unexpected error, for real: a trigger (made here, for one subdomain only) makes the database
 * refuse the sign-up's insert, an error no code maps. The request carries a password variable, an
 * email and a bearer token; none of them may reach the log or Sentry, whose ingest is a local server.
 */
let h: Harness;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let tenant: SeededTenant;
let token: string;
const captured = captureLog();
const doomed = uniq('doomed');
const fault = `observe_fault_${doomed}`;
const password = `Pw-${uniq('secret')}-Zz9`;
const email = `${uniq('leak')}@example.test`;

const SIGN_UP = 'mutation FailingSignUp($e: String!, $p: String!, $o: String!, $s: String!) { signUp(email: $e, password: $p, organisation: $o, subdomain: $s) { token } }';

beforeAll(async () => {
  receiver = await startReceiver();
  h = await startHarness(
    { NODE_ENV: 'production', ALLOW_SIGNUP: 'true', SENTRY_DSN: `http://0123456789abcdef@127.0.0.1:${receiver.port}/42`, SENTRY_RELEASE: 'gateway@test-1', SENTRY_ENVIRONMENT: 'staging-test' },
    {},
    captured.log,
  );
  tenant = await h.seedTenant();
  token = await h.login(tenant.ownerEmail);
  await h.admin.execute(sql.raw(`create function ${fault}() returns trigger language plpgsql as $$ begin raise exception 'injected fault for the observability test'; end $$`));
  await h.admin.execute(sql.raw(`create trigger ${fault} before insert on tenants for each row when (new.subdomain = '${doomed}') execute function ${fault}()`));
});

afterAll(async () => {
  await h?.admin.execute(sql.raw(`drop trigger if exists ${fault} on tenants`));
  await h?.admin.execute(sql.raw(`drop function if exists ${fault}()`));
  await h?.close();
  await receiver?.close();
});

describe('an error masked as INTERNAL_SERVER_ERROR', () => {
  it('is answered with the request id, logged once with its stack and identity, and sent to Sentry without secrets', async () => {
    const r = await h.gql<{ signUp: unknown }>(SIGN_UP, { e: email, p: password, o: 'Doomed Ltd', s: doomed }, {
      token,
      tenant: tenant.subdomain,
      headers: { 'x-forwarded-for': '10.77.0.1' },
    });
    const requestId = r.headers.get('x-request-id')!;
    expect(r.body.errors).toEqual([{ message: 'Internal server error', path: ['signUp'], locations: [{ line: 1, column: SIGN_UP.indexOf('signUp(') + 1 }], extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } }]);

    // One log line for the error, with the stack and who and what, and the request's own line.
    const failures = captured.lines().filter((l) => l.msg === 'request failed with an internal error');
    expect(failures).toHaveLength(1);
    const [failure] = failures as [{ err: { message: string; stack: string; code?: string }; [k: string]: unknown }];
    expect(failure).toMatchObject({ level: 50, request_id: requestId, tenant_id: tenant.id, principal: 'user', user_id: tenant.ownerId, operation: 'FailingSignUp' });
    expect(failure.err.message).toContain('injected fault for the observability test');
    expect(failure.err.message).toContain('anthias_sign_up');
    expect(failure.err.code).toBe('P0001');
    expect(failure.err.stack).toMatch(/signup\.service\.ts/);
    const requestLine = captured.lines().find((l) => l.request_id === requestId && l.msg === 'POST /graphql');
    expect(requestLine).toMatchObject({ outcome: 'INTERNAL_SERVER_ERROR', operation: 'FailingSignUp' });
    for (const secret of [password, email, token]) expect(captured.raw()).not.toContain(secret);

    const envelope = await receiver.waitFor((req) => req.path.startsWith('/api/42/envelope/') && req.body.includes(requestId));
    const raw = envelope.body.toString('utf8');
    for (const secret of [password, email, token, tenant.ownerEmail]) expect(raw).not.toContain(secret);
    const items = raw.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const event = items.find((i) => 'exception' in i) as {
      tags: Record<string, string>;
      user: Record<string, unknown>;
      release: string;
      environment: string;
      exception: { values: { value: string; stacktrace?: { frames: unknown[] } }[] };
      request?: unknown;
    };
    expect(event.tags).toMatchObject({ request_id: requestId, tenant_id: tenant.id, plan: 'professional', operation: 'FailingSignUp', principal: 'user' });
    expect(event.user).toEqual({ id: tenant.ownerId });
    expect(event.release).toBe('gateway@test-1');
    expect(event.environment).toBe('staging-test');
    expect(event.request).toBeUndefined();
    expect(event.exception.values.at(-1)!.value).toContain('injected fault for the observability test');
    expect(event.exception.values.at(-1)!.stacktrace?.frames.length).toBeGreaterThan(0);
  });

  it('a refused request quotes its id too, and is not reported', async () => {
    const before = receiver.received.length;
    const r = await h.gql('{ currentTenant { id } }', {}, { token: 'not-a-credential', tenant: tenant.subdomain });
    expect(r.body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED', requestId: r.headers.get('x-request-id') });
    const missing = await h.post('{"query":"{ currentTenant { id } }"}', { 'content-type': 'text/plain' });
    expect(JSON.parse(missing.text)).toMatchObject({ errors: [{ extensions: { requestId: missing.headers.get('x-request-id') } }] });
    expect(captured.lines().filter((l) => l.msg === 'request failed with an internal error')).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received.length).toBe(before);
  });

  it('every error quotes the id, whoever raised it: the parser, validation, a resolver beside data', async () => {
    const opts = { token, tenant: tenant.subdomain };
    const parse = await h.gql('{ currentTenant { id }', {}, opts);
    const validation = await h.gql('{ currentTenant { noSuchField } }', {}, opts);
    const partial = await h.gql('query { currentTenant { id } asset(id: "not-a-uuid") { id } }', {}, opts);
    expect([parse.status, validation.status, partial.status]).toEqual([400, 400, 200]);
    expect(partial.body.data).toMatchObject({ currentTenant: { id: tenant.id } });
    for (const r of [parse, validation, partial]) {
      expect(r.body.errors?.length).toBeGreaterThan(0);
      for (const e of r.body.errors!) expect(e.extensions?.requestId).toBe(r.headers.get('x-request-id'));
    }
  });
});
