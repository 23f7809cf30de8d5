import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType } from 'type-graphql';

@ObjectType({ description: 'An API key. Its secret is shown once, at creation, and never again.' })
export class ApiKey {
  @Field(() => ID) id: string;
  @Field(() => String) name: string;
  @Field(() => String, { description: 'The visible part of the key (`anthias_ak_<prefix>_…`), to recognise it.' })
  prefix: string;
  @Field(() => [String], { description: "The key's permissions; it never exceeds its creator's current ones." })
  permissions: string[];
  createdById: string | null;
  @Field(() => GraphQLDateTime) createdAt: Date;
  @Field(() => GraphQLDateTime, { nullable: true }) expiresAt: Date | null;
  @Field(() => GraphQLDateTime, { nullable: true }) revokedAt: Date | null;
  @Field(() => GraphQLDateTime, { nullable: true, description: 'Updated at most once a minute.' }) lastUsedAt: Date | null;
}

@ObjectType({ description: 'A new key and its secret.' })
export class CreatedApiKey {
  @Field(() => ApiKey) apiKey: ApiKey;
  @Field(() => String, { description: 'The whole key, to send as `Authorization: Bearer <key>`. Shown only now.' })
  secret: string;
}

@InputType()
export class CreateApiKeyInput {
  @Field(() => String) name: string;
  @Field(() => [String], { description: 'A subset of your own permissions, such as ["assets.view"].' })
  permissions: string[];
  @Field(() => GraphQLDateTime, { nullable: true, description: 'Optional; must be in the future.' })
  expiresAt?: Date | null;
}
