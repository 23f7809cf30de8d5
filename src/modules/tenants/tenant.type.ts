import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';

export enum PlanName {
  basic = 'basic',
  professional = 'professional',
  enterprise = 'enterprise',
}
registerEnumType(PlanName, { name: 'Plan', description: 'The subscription plan, which sets default limits.' });

@ObjectType({ description: 'Limits in force for the organisation: its plan defaults with its own overrides.' })
export class TenantLimits {
  @Field(() => Int) maxAssets: number;
  @Field(() => Int) maxUsers: number;
  @Field(() => Int) maxDevices: number;
  @Field(() => Int, { description: 'GraphQL requests per minute for the whole organisation.' })
  requestsPerMinute: number;
  @Field(() => Int, {
    description: 'The most one request may cost: a list costs 1 + its page size × what each item selects; `svg` weighs 50. Dearer requests are refused with QUERY_TOO_COMPLEX.',
  })
  maxQueryCost: number;
}

@ObjectType({ description: "The organisation's branding, for a console to paint itself with." })
export class TenantTheme {
  @Field(() => String, { nullable: true, description: 'Hex colour such as #1a73e8.' })
  primaryColor?: string | null;
  @Field(() => String, { nullable: true }) accentColor?: string | null;
  @Field(() => String, { nullable: true }) logoUrl?: string | null;
}

@ObjectType({ description: 'What the organisation uses, against its limits.' })
export class TenantUsage {
  @Field(() => Int) assets: number;
  @Field(() => Int) devices: number;
  @Field(() => Int, { description: 'Active members plus pending invitations: both hold a seat.' }) users: number;
  @Field(() => Int) pendingInvitations: number;
}

@ObjectType({ description: 'An organisation (tenant) of the platform.' })
export class Tenant {
  @Field(() => ID) id: string;
  @Field(() => String) name: string;
  @Field(() => String, { description: 'Its subdomain of the platform domain.' }) subdomain: string;
  @Field(() => PlanName) plan: PlanName;
  @Field(() => TenantLimits) limits: TenantLimits;
  @Field(() => TenantTheme) theme: TenantTheme;
  @Field(() => String, { nullable: true, description: 'IANA time zone that devices default to.' })
  timezone?: string | null;
  @Field(() => String, { nullable: true }) contactEmail?: string | null;
  @Field(() => Boolean, { description: 'Every member must use a second factor (set by an owner with requireSecondFactor).' })
  requireSecondFactor: boolean;
  @Field(() => GraphQLDateTime) createdAt: Date;
}
