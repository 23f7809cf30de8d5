import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { User } from './user.type.js';

@ObjectType({ description: "A user's membership in one organisation." })
export class Membership {
  @Field(() => ID) tenantId: string;
  @Field(() => String) subdomain: string;
  @Field(() => String) tenantName: string;
  @Field(() => String, { description: 'owner, admin, editor or viewer.' }) role: string;
  @Field(() => [String], { description: 'Permissions granted on top of the role.' }) extraPermissions: string[];
  @Field(() => Boolean) isActive: boolean;
  @Field(() => Boolean, { description: 'False while the organisation is suspended.' }) tenantActive: boolean;
}

@ObjectType({ description: 'The signed-in user, their memberships, and their permissions in this request\'s organisation.' })
export class Me {
  @Field(() => User) user: User;
  @Field(() => Boolean, { description: 'False until the address is confirmed (verifyEmail); until then only verifyEmail, resendVerification, me and logout work.' })
  emailVerified: boolean;
  @Field(() => Boolean, { description: 'Whether sign-in asks for a TOTP code (or a recovery code).' }) secondFactor: boolean;
  @Field(() => [Membership], { description: 'Every organisation the user belongs to, for a tenant picker.' })
  memberships: Membership[];
  @Field(() => [String], { description: "Effective permissions in the request's organisation (empty without one)." })
  permissions: string[];
}

@ObjectType({ description: 'A new session. Send the token as `Authorization: Bearer <token>`.' })
export class Session {
  @Field(() => String, { description: 'Opaque; shown once, stored only as a hash.' }) token: string;
  @Field(() => GraphQLDateTime, { description: 'Renewed on use; revoked by `logout`.' }) expiresAt: Date;
  @Field(() => User) user: User;
  @Field(() => Boolean, { description: 'False until the address is confirmed (verifyEmail).' }) emailVerified: boolean;
  @Field(() => [Membership]) memberships: Membership[];
}
