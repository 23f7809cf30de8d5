import { Field, InputType } from 'type-graphql';

@InputType({ description: 'Theme changes: omitted fields stay, null clears.' })
export class ThemeInput {
  @Field(() => String, { nullable: true, description: 'Hex colour: #rgb or #rrggbb.' }) primaryColor?: string | null;
  @Field(() => String, { nullable: true, description: 'Hex colour: #rgb or #rrggbb.' }) accentColor?: string | null;
  @Field(() => String, { nullable: true, description: 'An https URL.' }) logoUrl?: string | null;
}

@InputType({ description: 'Organisation settings: omitted fields stay as they are.' })
export class TenantSettingsInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) contactEmail?: string | null;
  @Field(() => String, { nullable: true, description: 'IANA time zone devices default to; null resets to UTC.' })
  timezone?: string | null;
  @Field(() => ThemeInput, { nullable: true }) theme?: ThemeInput | null;
}
