import { type GraphQLField, isObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBaseSchema, completeRuleTree, withShield } from '../../src/graphql/schema.js';
import { ruleTree } from '../../src/auth/rules.js';
import { type Harness, type SeededTenant, startHarness } from '../support/harness.js';

let h: Harness;
let a: SeededTenant;

beforeAll(async () => {
  h = await startHarness();
  a = await h.seedTenant();
});
afterAll(() => h?.close());

describe('shield on the compiled path', () => {
  it('a field skips shield only when the rule tree has no rule for it', async () => {
    const base = await buildBaseSchema();
    const tree = completeRuleTree(base);
    const gateway = withShield(base);
    let ruled = 0;
    let free = 0;
    for (const type of Object.values(gateway.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      const baseType = base.getType(type.name);
      if (!isObjectType(baseType)) throw new Error(`${type.name} is not in the base schema`);
      for (const [name, field] of Object.entries(type.getFields()) as [string, GraphQLField<unknown, unknown>][]) {
        const before = baseType.getFields()[name]!.resolve;
        if (tree[type.name]?.[name] !== undefined) {
          // Wrapped: the compiled path calls this resolver, so the rule runs first.
          expect(field.resolve, `${type.name}.${name}`).toBeTypeOf('function');
          expect(field.resolve, `${type.name}.${name}`).not.toBe(before);
          ruled++;
        } else {
          // Untouched: the resolver type-graphql made, or none for a field that only reads a property.
          expect(field.resolve, `${type.name}.${name}`).toBe(before);
          free++;
        }
      }
    }
    // Every root field is ruled (deny by default), and so are the non-root fields the tree names.
    const named = Object.entries(ruleTree as Record<string, Record<string, unknown>>).filter(([t]) => t !== 'Query' && t !== 'Mutation');
    expect(ruled).toBe(
      Object.keys(gateway.getQueryType()!.getFields()).length + Object.keys(gateway.getMutationType()!.getFields()).length +
        named.reduce((n, [, fields]) => n + Object.keys(fields).length, 0),
    );
    expect(free).toBeGreaterThan(50);
  });

  it('runs every non-root rule on the compiled path: each refuses an anonymous caller', async () => {
    expect(h.app.deps.config.graphqlExecution).toBe('compiled');
    const selections: Record<string, string> = { limits: 'limits { maxAssets }', usage: 'usage { assets }' };
    const tenantRules = Object.keys((ruleTree as Record<string, Record<string, unknown>>).Tenant!);
    expect(tenantRules.length).toBeGreaterThan(0);
    for (const field of tenantRules) {
      const r = await h.gql<{ currentTenant: unknown }>(`{ currentTenant { name ${selections[field] ?? field} } }`, {}, { tenant: a.subdomain });
      expect(r.body.errors?.map((e) => [e.extensions?.code, (e as { path?: string[] }).path]), field).toEqual([['UNAUTHENTICATED', ['currentTenant', field]]]);
      const open = await h.gql<{ currentTenant: { name: string } }>('{ currentTenant { name } }', {}, { tenant: a.subdomain });
      expect(open.body).toEqual({ data: { currentTenant: { name: `Tenant ${a.subdomain}` } } });
    }
  });
});
