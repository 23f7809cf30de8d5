import 'reflect-metadata';
import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { deny, shield } from 'graphql-shield';
import type { IRules } from 'graphql-shield';
import { buildSchema } from 'type-graphql';
import { ruleTree, shieldOptions } from '../auth/rules.js';
import { ApiKeyResolver } from '../modules/api-keys/api-key.resolver.js';
import { AssetResolver } from '../modules/assets/asset.resolver.js';
import { AuditResolver } from '../modules/audit/audit.resolver.js';
import { DeviceResolver } from '../modules/devices/device.resolver.js';
import { DomainResolver } from '../modules/domains/domain.resolver.js';
import { IdentityResolver } from '../modules/identity/identity.resolver.js';
import { MemberResolver } from '../modules/members/member.resolver.js';
import { QrResolver } from '../modules/qr/qr.resolver.js';
import { TenantResolver } from '../modules/tenants/tenant.resolver.js';

export const resolvers = [
  TenantResolver,
  IdentityResolver,
  AssetResolver,
  ApiKeyResolver,
  AuditResolver,
  DeviceResolver,
  QrResolver,
  MemberResolver,
  DomainResolver,
] as const;

/** The schema as type-graphql declares it (what schema/schema.graphql records). */
export async function buildBaseSchema(): Promise<GraphQLSchema> {
  return lexicographicSortSchema(await buildSchema({ resolvers, validate: false }));
}

type FieldRules = Record<string, Record<string, unknown>>;

/**
 * Deny by default at the entry points: every Query and Mutation field the rule tree does not
 * name gets `deny`. Other types' fields are reachable only through a root field that passed.
 */
function completeRuleTree(schema: GraphQLSchema): FieldRules {
  const tree: FieldRules = { ...(ruleTree as FieldRules) };
  for (const root of [schema.getQueryType(), schema.getMutationType()]) {
    if (!root) continue;
    const named = tree[root.name] ?? {};
    tree[root.name] = Object.fromEntries(Object.keys(root.getFields()).map((f) => [f, named[f] ?? deny]));
  }
  return tree;
}

/** graphql-shield would wrap every field of every type; we keep only the fields that have a rule. */
export async function buildGatewaySchema(): Promise<GraphQLSchema> {
  const schema = await buildBaseSchema();
  const tree = completeRuleTree(schema);
  const generated = shield(tree as IRules, shieldOptions).generate(schema) as FieldRules;
  const selected: FieldRules = {};
  for (const [typeName, rules] of Object.entries(tree)) {
    selected[typeName] = Object.fromEntries(Object.keys(rules).map((f) => [f, generated[typeName]![f]]));
  }
  return applyMiddleware(schema, selected as never);
}
