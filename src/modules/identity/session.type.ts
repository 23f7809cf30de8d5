import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'One signed-in session of the caller (a browser, a script), as `mySessions` lists them.' })
export class SessionInfo {
  @Field(() => ID) id: string;
  @Field(() => GraphQLDateTime, { description: 'When it signed in.' }) createdAt: Date;
  @Field(() => GraphQLDateTime, { description: 'Recorded at most once a minute.' }) lastUsedAt: Date;
  @Field(() => GraphQLDateTime, { description: 'Moves forward with use.' }) expiresAt: Date;
  @Field(() => String, { nullable: true, description: 'The client address it signed in from.' }) ipAddress: string | null;
  @Field(() => String, { nullable: true }) userAgent: string | null;
  @Field(() => Boolean, { description: 'The session this request carries.' }) current: boolean;
}
