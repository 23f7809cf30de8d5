import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'The DNS record that proves control of a domain.' })
export class VerificationRecord {
  @Field(() => String) type: string;
  @Field(() => String) name: string;
  @Field(() => String) value: string;
}

@ObjectType({ description: "A custom domain; only verified domains resolve to the organisation." })
export class Domain {
  @Field(() => ID) id: string;
  @Field(() => String) hostname: string;
  @Field(() => Boolean) verified: boolean;
  @Field(() => GraphQLDateTime, { nullable: true }) verifiedAt: Date | null;
  @Field(() => VerificationRecord, { description: 'Publish this TXT record, then call verifyDomain.' })
  verificationRecord: VerificationRecord;
  @Field(() => GraphQLDateTime) createdAt: Date;
}
