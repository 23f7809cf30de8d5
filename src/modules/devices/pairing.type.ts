import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

@ObjectType({ description: 'What an unpaired player shows on screen and keeps to poll with.' })
export class PairingTicket {
  @Field(() => String, { description: 'Short code such as ABCD-EFGH for a person to type into the console.' })
  pairingCode: string;
  @Field(() => String, { description: 'Secret the player polls with; never shown on screen.' }) pollingSecret: string;
  @Field(() => GraphQLDateTime) expiresAt: Date;
  @Field(() => Int) pollIntervalSeconds: number;
}

export enum PairingState {
  PENDING = 'PENDING',
  CLAIMED = 'CLAIMED',
}
registerEnumType(PairingState, { name: 'PairingState' });

@ObjectType({ description: 'The answer to a poll: still waiting, or claimed with the device key (delivered once).' })
export class PairingStatus {
  @Field(() => PairingState) state: PairingState;
  @Field(() => String, { nullable: true }) deviceKey: string | null;
  @Field(() => ID, { nullable: true }) deviceId: string | null;
}
