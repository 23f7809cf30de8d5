import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../graphql/pagination.js';

export enum DeviceStatus {
  ONLINE = 'ONLINE',
  OFFLINE = 'OFFLINE',
}
registerEnumType(DeviceStatus, { name: 'DeviceStatus', description: 'From the last heartbeat and DEVICE_OFFLINE_AFTER_SECONDS.' });

@ObjectType({ description: 'A screen running the Anthias player.' })
export class Device {
  @Field(() => ID) id: string;
  @Field(() => String) name: string;
  @Field(() => String, { nullable: true }) location: string | null;
  @Field(() => String, { nullable: true, description: "Its own IANA time zone; null follows the organisation's." })
  timezone: string | null;
  @Field(() => [String], { description: 'Labels; assets restricted to labels play where one matches.' }) labels: string[];
  @Field(() => DeviceStatus) status: DeviceStatus;
  @Field(() => GraphQLDateTime, { nullable: true }) lastSeenAt: Date | null;
  @Field(() => String, { nullable: true }) playerVersion: string | null;
  @Field(() => String, { nullable: true, description: 'Address of its last heartbeat.' }) lastAddress: string | null;
  @Field(() => String, { nullable: true, description: 'Visible part of its current key.' }) keyPrefix: string | null;
  @Field(() => GraphQLDateTime) createdAt: Date;
  @Field(() => GraphQLDateTime) updatedAt: Date;
}

@ObjectType()
export class DeviceConnection extends Connection(Device, 'Device') {}

@ObjectType({ description: 'A device and its key. The key is shown only now.' })
export class DeviceWithKey {
  @Field(() => Device) device: Device;
  @Field(() => String, { description: 'Send as `Authorization: Bearer <key>` from the player.' }) deviceKey: string;
}

@InputType()
export class DeviceFilter {
  @Field(() => DeviceStatus, { nullable: true }) status?: DeviceStatus | null;
  @Field(() => String, { nullable: true, description: 'Devices carrying this label.' }) label?: string | null;
  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of name or location.' }) search?: string | null;
}

@InputType()
export class CreateDeviceInput {
  @Field(() => String) name: string;
  @Field(() => String, { nullable: true }) location?: string | null;
  @Field(() => String, { nullable: true, description: 'IANA time zone such as Europe/Paris.' }) timezone?: string | null;
  @Field(() => [String], { nullable: true }) labels?: string[] | null;
}

@InputType({ description: 'Omitted fields stay; null clears location or time zone.' })
export class UpdateDeviceInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) location?: string | null;
  @Field(() => String, { nullable: true }) timezone?: string | null;
  @Field(() => [String], { nullable: true }) labels?: string[] | null;
}
