import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { DeviceStatus } from './device.type.js';

@ObjectType({ description: 'One asset as a player needs it.' })
export class PlaylistItem {
  @Field(() => ID) id: string;
  @Field(() => String) name: string;
  @Field(() => String) uri: string;
  @Field(() => String) mimetype: string;
  @Field(() => Int) duration: number;
  @Field(() => String, { nullable: true }) md5: string | null;
  @Field(() => Boolean) nocache: boolean;
  @Field(() => Boolean) skipAssetCheck: boolean;
  @Field(() => Int) playOrder: number;
}

@ObjectType({ description: "What the calling device plays now, in play order, by its own time zone's clock." })
export class Playlist {
  @Field(() => String, { description: 'Changes exactly when the assets would; send it back as ifNoneMatch.' }) etag: string;
  @Field(() => Boolean, { description: 'True when ifNoneMatch equals etag; assets are then omitted.' }) notModified: boolean;
  @Field(() => [PlaylistItem], { nullable: true }) assets: PlaylistItem[] | null;
  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the schedule next changes the set; ask again then.' })
  nextChangeAt: Date | null;
  @Field(() => GraphQLDateTime) serverTime: Date;
  @Field(() => String, { description: 'The time zone the schedule was evaluated in.' }) timezone: string;
}

@InputType({ description: 'What a player reports about itself.' })
export class HeartbeatInput {
  @Field(() => String, { nullable: true, description: 'Player software version, such as v0.19.4.' }) playerVersion?: string | null;
}

@ObjectType()
export class HeartbeatResult {
  @Field(() => GraphQLDateTime, { description: "The server's clock, for the player to correct its own." }) serverTime: Date;
  @Field(() => DeviceStatus) status: DeviceStatus;
}
