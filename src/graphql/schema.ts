import 'reflect-metadata';
import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { deny, shield } from 'graphql-shield';
import type { IRules } from 'graphql-shield';
import { buildSchema, getMetadataStorage } from 'type-graphql';
import { ruleTree, shieldOptions } from '../auth/rules.js';
import { ApiKeyResolver } from '../modules/api-keys/api-key.resolver.js';
import { AssetResolver } from '../modules/assets/asset.resolver.js';
import { AuditResolver } from '../modules/audit/audit.resolver.js';
import { DeviceResolver } from '../modules/devices/device.resolver.js';
import { DomainResolver } from '../modules/domains/domain.resolver.js';
import { IdentityResolver } from '../modules/identity/identity.resolver.js';
import { SecondFactorResolver } from '../modules/identity/second-factor.resolver.js';
import { MemberResolver } from '../modules/members/member.resolver.js';
import { QrResolver } from '../modules/qr/qr.resolver.js';
import { TenantResolver } from '../modules/tenants/tenant.resolver.js';

export const resolvers = [
  TenantResolver,
  IdentityResolver,
  SecondFactorResolver,
  AssetResolver,
  ApiKeyResolver,
  AuditResolver,
  DeviceResolver,
  QrResolver,
  MemberResolver,
  DomainResolver,
] as const;

/**
 * type-graphql gives every field that only reads a property its own resolver (a closure that
 * runs the field's middlewares, of which we have none, then reads the property): per field and
 * per row, work for nothing. Such fields are marked `simple`, so they get no resolver and
 * execution reads the property itself. Not marked: fields with middlewares or roles, and fields
 * whose property is named differently from the field (the default resolver reads the field's name).
 */
function markPropertyFieldsSimple(): void {
  for (const field of getMetadataStorage().fields) {
    if (field.simple !== undefined || field.middlewares?.length || field.roles?.length || field.name !== field.schemaName) continue;
    field.simple = true;
  }
}

/** The schema as type-graphql declares it (what schema/schema.graphql records). */
export async function buildBaseSchema(): Promise<GraphQLSchema> {
  markPropertyFieldsSimple();
  return lexicographicSortSchema(await buildSchema({ resolvers, validate: false }));
}

export type FieldRules = Record<string, Record<string, unknown>>;

/**
 * Deny by default at the entry points: every Query and Mutation field the rule tree does not
 * name gets `deny`. Other types' fields are reachable only through a root field that passed.
 */
export function completeRuleTree(schema: GraphQLSchema): FieldRules {
  const tree: FieldRules = { ...(ruleTree as FieldRules) };
  for (const root of [schema.getQueryType(), schema.getMutationType()]) {
    if (!root) continue;
    const named = tree[root.name] ?? {};
    tree[root.name] = Object.fromEntries(Object.keys(root.getFields()).map((f) => [f, named[f] ?? deny]));
  }
  return tree;
}

/** graphql-shield would wrap every field of every type; we keep only the fields that have a rule. */
export function withShield(schema: GraphQLSchema): GraphQLSchema {
  const tree = completeRuleTree(schema);
  const generated = shield(tree as IRules, shieldOptions).generate(schema) as FieldRules;
  const selected: FieldRules = {};
  for (const [typeName, rules] of Object.entries(tree)) {
    selected[typeName] = Object.fromEntries(Object.keys(rules).map((f) => [f, generated[typeName]![f]]));
  }
  return applyMiddleware(schema, selected as never);
}

/** The schema the gateway executes: type-graphql's, with shield on the fields that have a rule. */
export async function buildGatewaySchema(): Promise<GraphQLSchema> {
  return withShield(await buildBaseSchema());
}
