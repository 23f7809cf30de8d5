import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { Connection } from '../../graphql/pagination.js';

@ObjectType({ description: 'A QR code that sends scanners to a URL through a counted short link.' })
export class QrContent {
  @Field(() => ID) id: string;
  @Field(() => String) name: string;
  @Field(() => String, { description: 'Where a scan is redirected (http or https).' }) targetUrl: string;
  @Field(() => ID, { nullable: true }) assetId: string | null;
  @Field(() => String, { description: 'Short code, unique across the platform.' }) code: string;
  @Field(() => Int) scanCount: number;
  @Field(() => GraphQLDateTime, { nullable: true }) lastScannedAt: Date | null;
  @Field(() => GraphQLDateTime) createdAt: Date;
  @Field(() => GraphQLDateTime) updatedAt: Date;
}

@ObjectType()
export class QrContentConnection extends Connection(QrContent, 'QrContent') {}

@InputType()
export class CreateQrContentInput {
  @Field(() => String) name: string;
  @Field(() => String) targetUrl: string;
  @Field(() => ID, { nullable: true, description: 'An asset of this organisation it belongs with.' }) assetId?: string | null;
}

@InputType({ description: 'Omitted fields stay; a null assetId detaches the asset.' })
export class UpdateQrContentInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) targetUrl?: string | null;
  @Field(() => ID, { nullable: true }) assetId?: string | null;
}
