import { GraphQLDateTime, GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { Connection } from '../../graphql/pagination.js';

@ObjectType({ description: 'One successful change, recorded in the same transaction as the change.' })
export class AuditLog {
  @Field(() => ID) id: string;
  @Field(() => String, { description: 'What happened, such as `asset.create`.' }) action: string;
  @Field(() => String, { description: 'user, api_key, device or system.' }) actorType: string;
  @Field(() => ID, { nullable: true }) actorId: string | null;
  @Field(() => String, { nullable: true }) targetType: string | null;
  @Field(() => ID, { nullable: true }) targetId: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Changed fields as { field: { before, after } }.' })
  changes: Record<string, unknown> | null;
  @Field(() => String, { nullable: true }) requestId: string | null;
  @Field(() => String, { nullable: true }) ipAddress: string | null;
  @Field(() => String, { nullable: true }) userAgent: string | null;
  @Field(() => GraphQLDateTime) createdAt: Date;
}

@ObjectType()
export class AuditLogConnection extends Connection(AuditLog, 'AuditLog') {}

@InputType({ description: 'Narrows the audit trail; every given field must match.' })
export class AuditLogFilter {
  @Field(() => String, { nullable: true }) action?: string | null;
  @Field(() => ID, { nullable: true, description: 'A user, API key or device id.' }) actor?: string | null;
  @Field(() => ID, { nullable: true, description: 'The id of the changed object.' }) target?: string | null;
  @Field(() => GraphQLDateTime, { nullable: true, description: 'Inclusive.' }) since?: Date | null;
  @Field(() => GraphQLDateTime, { nullable: true, description: 'Exclusive.' }) until?: Date | null;
}
