import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../graphql/pagination.js';

export enum MemberRole {
  owner = 'owner',
  admin = 'admin',
  editor = 'editor',
  viewer = 'viewer',
}
registerEnumType(MemberRole, { name: 'MemberRole', description: 'owner > admin > editor > viewer.' });

@ObjectType({ description: 'A person in this organisation.' })
export class Member {
  @Field(() => ID) userId: string;
  @Field(() => String) email: string;
  @Field(() => String, { nullable: true }) displayName: string | null;
  @Field(() => MemberRole) role: MemberRole;
  @Field(() => [String]) extraPermissions: string[];
  @Field(() => Boolean) isActive: boolean;
  @Field(() => GraphQLDateTime) joinedAt: Date;
}

@ObjectType()
export class MemberConnection extends Connection(Member, 'Member') {}

@InputType()
export class MemberFilter {
  @Field(() => MemberRole, { nullable: true }) role?: MemberRole | null;
  @Field(() => Boolean, { nullable: true }) active?: boolean | null;
  @Field(() => String, { nullable: true, description: 'Substring of the email.' }) search?: string | null;
}

@ObjectType({ description: 'A pending seat. The token travels only by mail.' })
export class Invitation {
  @Field(() => ID) id: string;
  @Field(() => String) email: string;
  @Field(() => MemberRole) role: MemberRole;
  @Field(() => GraphQLDateTime) expiresAt: Date;
  @Field(() => GraphQLDateTime) createdAt: Date;
}

@ObjectType({ description: 'The organisation joined; a session only when the account was created just now.' })
export class AcceptedInvitation {
  @Field(() => ID) tenantId: string;
  @Field(() => MemberRole) role: MemberRole;
  @Field(() => Boolean) newAccount: boolean;
  @Field(() => String, { nullable: true, description: 'A session for a new account; existing accounts sign in with their own password.' })
  sessionToken: string | null;
}
