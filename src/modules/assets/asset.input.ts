import { GraphQLDateTime } from 'graphql-scalars';
import { Field, InputType, Int } from 'type-graphql';

@InputType({ description: 'Narrows an asset list; every given field must match.' })
export class AssetFilter {
  @Field(() => Boolean, { nullable: true }) enabled?: boolean | null;
  @Field(() => Boolean, { nullable: true, description: "Active now, in the organisation's time zone." }) active?: boolean | null;
  @Field(() => String, { nullable: true }) mimetype?: string | null;
  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of the name.' }) search?: string | null;
}

@InputType({ description: 'A new asset. The organisation, creator and play order are set by the server.' })
export class CreateAssetInput {
  @Field(() => String) name: string;
  @Field(() => String) uri: string;
  @Field(() => String) mimetype: string;
  @Field(() => Int, { nullable: true, description: 'Seconds; default 10.' }) duration?: number | null;
  @Field(() => String, { nullable: true }) md5?: string | null;
  @Field(() => GraphQLDateTime, { nullable: true, description: 'Required when the asset is enabled: it plays after this instant.' })
  startDate?: Date | null;
  @Field(() => GraphQLDateTime, { nullable: true, description: 'Required when the asset is enabled: it plays before this instant.' })
  endDate?: Date | null;
  @Field(() => Boolean, {
    nullable: true,
    description: 'Default false. An enabled asset plays when now is between startDate and endDate and inside its play days and window, in the device\'s time zone.',
  })
  isEnabled?: boolean | null;
  @Field(() => Boolean, { nullable: true }) isProcessing?: boolean | null;
  @Field(() => Boolean, { nullable: true }) nocache?: boolean | null;
  @Field(() => Boolean, { nullable: true }) skipAssetCheck?: boolean | null;
  @Field(() => [Int], { nullable: true, description: 'ISO weekdays 1–7; default every day.' }) playDays?: number[] | null;
  @Field(() => String, { nullable: true, description: 'HH:MM; give both ends of the window or neither.' })
  playTimeFrom?: string | null;
  @Field(() => String, { nullable: true }) playTimeTo?: string | null;
  @Field(() => [String], { nullable: true }) labels?: string[] | null;
}

@InputType({ description: 'Changes to an asset: omitted fields stay as they are; null clears a nullable one.' })
export class UpdateAssetInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) uri?: string | null;
  @Field(() => String, { nullable: true }) mimetype?: string | null;
  @Field(() => Int, { nullable: true }) duration?: number | null;
  @Field(() => String, { nullable: true }) md5?: string | null;
  @Field(() => GraphQLDateTime, { nullable: true }) startDate?: Date | null;
  @Field(() => GraphQLDateTime, { nullable: true }) endDate?: Date | null;
  @Field(() => Boolean, { nullable: true }) isEnabled?: boolean | null;
  @Field(() => Boolean, { nullable: true }) isProcessing?: boolean | null;
  @Field(() => Boolean, { nullable: true }) nocache?: boolean | null;
  @Field(() => Boolean, { nullable: true }) skipAssetCheck?: boolean | null;
  @Field(() => [Int], { nullable: true }) playDays?: number[] | null;
  @Field(() => String, { nullable: true }) playTimeFrom?: string | null;
  @Field(() => String, { nullable: true }) playTimeTo?: string | null;
  @Field(() => [String], { nullable: true }) labels?: string[] | null;
}
