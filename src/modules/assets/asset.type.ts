import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../graphql/pagination.js';

@ObjectType({ description: 'Content a screen plays. Fields follow Anthias.' })
export class Asset {
  @Field(() => ID) id: string;
  @Field(() => String) name: string;
  @Field(() => String, { description: 'http(s) for images, videos and web pages; rtsp/rtmp also for streams.' }) uri: string;
  @Field(() => String, { nullable: true, description: 'MD5 of the file, when known.' }) md5: string | null;
  @Field(() => String, { description: 'image, video, webpage, streaming or youtube_asset.' }) mimetype: string;
  @Field(() => Int, { description: 'Seconds on screen (0 for a video: its own length).' }) duration: number;
  @Field(() => GraphQLDateTime, { nullable: true, description: 'Plays only after this instant (exclusive).' })
  startDate: Date | null;
  @Field(() => GraphQLDateTime, { nullable: true, description: 'Plays only before this instant (exclusive).' })
  endDate: Date | null;
  @Field(() => Boolean) isEnabled: boolean;
  @Field(() => Boolean) isProcessing: boolean;
  @Field(() => Boolean) nocache: boolean;
  @Field(() => Int, { description: 'Position in the playlist, from 0.' }) playOrder: number;
  @Field(() => Boolean) skipAssetCheck: boolean;
  @Field(() => [Int], { description: 'ISO weekdays (1 = Monday … 7 = Sunday) on which it plays.' }) playDays: number[];
  @Field(() => String, { nullable: true, description: 'Daily window start, HH:MM, device local time.' })
  playTimeFrom: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'Daily window end (exclusive), HH:MM. Earlier than playTimeFrom: the window wraps past midnight.',
  })
  playTimeTo: string | null;
  @Field(() => [String], { description: 'Device labels it is restricted to; empty plays on every device.' }) labels: string[];
  @Field(() => GraphQLDateTime) createdAt: Date;
  @Field(() => GraphQLDateTime) updatedAt: Date;
  createdById: string | null;
  updatedById: string | null;
}

@ObjectType()
export class AssetConnection extends Connection(Asset, 'Asset') {}

export enum AssetOrder {
  CREATED_AT_DESC = 'CREATED_AT_DESC',
  CREATED_AT_ASC = 'CREATED_AT_ASC',
  PLAY_ORDER_ASC = 'PLAY_ORDER_ASC',
  NAME_ASC = 'NAME_ASC',
}
registerEnumType(AssetOrder, { name: 'AssetOrder', description: 'Sort order of an asset list; ties break by id.' });
