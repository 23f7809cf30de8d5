import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A person. Visible to the tenants they belong to.' })
export class User {
  @Field(() => ID) id: string;
  @Field(() => String) email: string;
  @Field(() => String, { nullable: true }) displayName: string | null;
}
