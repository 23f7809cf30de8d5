import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  getNamedType,
  getNullableType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from 'graphql';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBaseSchema } from '../../src/graphql/schema.js';
import { codes, type Harness, type SeededTenant, startHarness } from '../support/harness.js';

/**
 * Every String and ID argument of every root field (found by introspection, inside input objects
 * and lists too) gets arbitrary text — NUL, lone surrogates, astral and control characters
 * included — and arbitrary cursors; no answer may be INTERNAL_SERVER_ERROR. On failure fast-check
 * prints the seed and the counterexample.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const CONCURRENT = 4;
// `logout` would end the session the other runs use.
const SKIPPED = new Set(['logout']);

type Slot = { field: string; operation: 'query' | 'mutation'; path: string[]; kind: 'String' | 'ID' };

/** A valid value for a type, so a run changes one string only. */
function sample(type: GraphQLInputType): unknown {
  const t = getNullableType(type);
  if (isListType(t)) return [sample(t.ofType)];
  if (isEnumType(t)) return t.getValues()[0]!.value;
  if (isInputObjectType(t)) {
    return Object.fromEntries(Object.values(t.getFields()).filter((f) => isNonNullType(f.type)).map((f) => [f.name, sample(f.type)]));
  }
  const name = (t as { name: string }).name;
  if (name === 'Int') return 1;
  if (name === 'Boolean') return false;
  if (name === 'DateTime') return '2026-01-01T00:00:00.000Z';
  if (name === 'ID') return randomUUID();
  if (name === 'JSONObject') return {};
  return 'x';
}

/** Every path from an argument down to a String or ID leaf. */
function slots(field: GraphQLField<unknown, unknown>, operation: Slot['operation']): Slot[] {
  const found: Slot[] = [];
  const walk = (type: GraphQLInputType, path: string[]) => {
    const t = getNullableType(type);
    if (isListType(t)) return walk(t.ofType, [...path, '0']);
    if (isInputObjectType(t)) {
      for (const f of Object.values(t.getFields())) walk(f.type, [...path, f.name]);
      return;
    }
    if (isScalarType(t) && (t.name === 'String' || t.name === 'ID')) found.push({ field: field.name, operation, path, kind: t.name });
  };
  for (const arg of field.args) walk(arg.type, [arg.name]);
  return found;
}

function set(target: Record<string, unknown>, path: string[], value: unknown, args: readonly GraphQLArgument[]): Record<string, unknown> {
  const root = structuredClone(target);
  let node: Record<string, unknown> = root;
  let type: GraphQLInputType | undefined = args.find((a) => a.name === path[0])!.type;
  for (const [i, key] of path.entries()) {
    if (i === path.length - 1) {
      node[key] = value;
      break;
    }
    const inner: GraphQLInputType = getNullableType(type!);
    let next = node[key] as Record<string, unknown> | undefined;
    if (next === undefined || next === null) {
      next = isListType(inner) ? ([] as unknown as Record<string, unknown>) : {};
      node[key] = next;
    }
    node = next;
    type = isListType(inner) ? (inner.ofType as GraphQLInputType) : isInputObjectType(inner) ? inner.getFields()[path[i + 1]!]?.type : undefined;
  }
  return root;
}

const selection = (field: GraphQLField<unknown, unknown>) => (isObjectType(getNamedType(field.type)) ? '{ __typename }' : '');

const text = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 40 }).map((s) => `${s}\u0000${s}`),
  fc.string({ maxLength: 10 }).map((s) => `${s}\ud800`),
  fc.constantFrom('\udfff', '𝕏\u0000', '\u0007\u001b[31m', '%_\\', "'; drop table assets; --", ''),
);
const cursor = fc
  .record({
    o: fc.constantFrom('assets.createdAt.desc', 'assets.createdAt.asc', 'assets.playOrder.asc', 'assets.name.asc', 'devices.createdAt.desc', 'audit.createdAt.desc', 'qr.createdAt.desc', 'members.joinedAt.desc'),
    k: fc.oneof(text, fc.constantFrom('1', '9999999999', '-2147483649', '2026-13-45', 'infinity', '1e9', '0x10', '2026-01-01T00:00:00Z')),
    id: fc.oneof(fc.uuid(), text),
  })
  .map((body) => Buffer.from(JSON.stringify(body)).toString('base64url'));

describe('arbitrary strings and cursors never cause INTERNAL_SERVER_ERROR', () => {
  let h: Harness;
  let t: SeededTenant;
  let token: string;
  const all: Slot[] = [];
  const fields = new Map<string, GraphQLField<unknown, unknown>>();

  beforeAll(async () => {
    h = await startHarness({
      LOGIN_FAILURES_PER_EMAIL: '1000000',
      LOGIN_FAILURES_PER_ADDRESS: '1000000',
      ANONYMOUS_REQUESTS_PER_MINUTE: '1000000',
      ALLOW_SIGNUP: 'true',
    });
    t = await h.seedTenant({ plan: 'enterprise' });
    await h.admin.execute(sql`update tenants set requests_per_minute = 100000000 where id = ${t.id}`);
    await h.app.deps.directory.invalidate(h.admin, { id: t.id, subdomains: [t.subdomain] });
    token = await h.login(t.ownerEmail);
    const schema = await buildBaseSchema();
    for (const [operation, root] of [['query', schema.getQueryType()], ['mutation', schema.getMutationType()]] as const) {
      for (const field of Object.values(root!.getFields())) {
        if (SKIPPED.has(field.name)) continue;
        fields.set(field.name, field);
        all.push(...slots(field, operation));
      }
    }
  }, 120_000);
  afterAll(() => h?.close());

  it('finds the string and ID arguments by introspection', () => {
    expect(all.length).toBeGreaterThan(40);
  });

  it('every one of them, with arbitrary text (and cursors where a cursor goes)', async () => {
    const fuzz = async (slot: Slot) => {
      const field = fields.get(slot.field)!;
      const base = Object.fromEntries(field.args.filter((a) => isNonNullType(a.type)).map((a) => [a.name, sample(a.type)]));
      const decl = field.args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
      const call = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
      const document = `${slot.operation}${decl ? `(${decl})` : ''} { ${slot.field}${call ? `(${call})` : ''} ${selection(field)} }`;
      const values = slot.path.at(-1) === 'after' ? fc.oneof(text, cursor) : text;
      await fc.assert(
        fc.asyncProperty(values, async (value) => {
          const r = await h.gql(document, set(base, slot.path, value, field.args), { token, tenant: t.subdomain });
          const failed = r.status >= 500 || codes(r).includes('INTERNAL_SERVER_ERROR');
          if (failed) throw new Error(`${slot.field}(${slot.path.join('.')}) = ${JSON.stringify(value)} → ${r.status} ${JSON.stringify(r.body.errors)}`);
        }),
        { numRuns: RUNS },
      );
    };
    // A few arguments at a time: the gateway waits on the database as often as it computes.
    for (let i = 0; i < all.length; i += CONCURRENT) await Promise.all(all.slice(i, i + CONCURRENT).map(fuzz));
  }, 1_800_000);
});
