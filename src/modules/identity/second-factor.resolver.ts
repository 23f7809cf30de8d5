import { Arg, Ctx, Field, Mutation, ObjectType, Resolver } from 'type-graphql';
import { TenantCtx } from '../../graphql/tenant-ctx.js';
import type { RequestContext, TenantContext } from '../../tenancy/context.js';
import { beginTotpEnrolment, confirmTotpEnrolment, disableTotp, requireSecondFactor } from './second-factor.service.js';

@ObjectType({ description: 'A TOTP secret to add to an authenticator app; nothing changes until confirmTotpEnrolment.' })
export class TotpEnrolment {
  @Field(() => String, { description: 'Base32, for typing in by hand.' }) secret: string;
  @Field(() => String, { description: 'otpauth:// URI, for a QR code.' }) uri: string;
}

@Resolver()
export class SecondFactorResolver {
  @Mutation(() => TotpEnrolment, { description: 'Starts enrolling a TOTP second factor (the password is required).' })
  beginTotpEnrolment(@Ctx() ctx: RequestContext, @Arg('password', () => String) password: string): Promise<TotpEnrolment> {
    return beginTotpEnrolment(ctx, password);
  }

  @Mutation(() => [String], { description: 'Turns the second factor on with a current code from the app; returns ten single-use recovery codes, shown only now.' })
  confirmTotpEnrolment(@Ctx() ctx: RequestContext, @Arg('code', () => String) code: string): Promise<string[]> {
    return confirmTotpEnrolment(ctx, code);
  }

  @Mutation(() => Boolean, { description: 'Removes the second factor and its recovery codes (the password is required).' })
  disableTotp(@Ctx() ctx: RequestContext, @Arg('password', () => String) password: string): Promise<boolean> {
    return disableTotp(ctx, password);
  }

  @Mutation(() => Boolean, {
    description: "Owners only: require a second factor of every member of this organisation (members without one are asked to enrol before anything else: SECOND_FACTOR_ENROLMENT_REQUIRED). Returns the new setting.",
  })
  requireSecondFactor(@TenantCtx() ctx: TenantContext, @Arg('required', () => Boolean) required: boolean): Promise<boolean> {
    return requireSecondFactor(ctx, required);
  }
}
