import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { TenantCtx } from '../../graphql/tenant-ctx.js';
import type { RequestContext, TenantContext } from '../../tenancy/context.js';
import { requireId } from '../../graphql/ids.js';
import { tenantTimeZone } from '../tenants/tenant.service.js';
import { createDevice, deleteDevice, getDevice, listDevices, rotateDeviceKey, updateDevice } from './device.service.js';
import { CreateDeviceInput, Device, DeviceConnection, DeviceFilter, DeviceWithKey, UpdateDeviceInput } from './device.type.js';
import { claimDevice, pollPairing, registerDevice } from './pairing.service.js';
import { PairingStatus, PairingTicket } from './pairing.type.js';
import { deviceHeartbeat, devicePlaylist } from './playlist.service.js';
import { HeartbeatInput, HeartbeatResult, Playlist } from './playlist.type.js';

@Resolver(() => Device)
export class DeviceResolver {
  @Query(() => DeviceConnection, { description: "The organisation's screens. Needs devices.view." })
  devices(
    @TenantCtx() ctx: TenantContext,
    @Arg('filter', () => DeviceFilter, { nullable: true }) filter?: DeviceFilter,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return listDevices(ctx, filter, first, after);
  }

  @Query(() => Device, { nullable: true })
  device(@TenantCtx() ctx: TenantContext, @Arg('id', () => ID) id: string): Promise<Device | null> {
    return getDevice(ctx, requireId('id', id));
  }

  @Mutation(() => DeviceWithKey, { description: 'Adds a screen and issues its device key (shown once). Needs devices.create.' })
  createDevice(@TenantCtx() ctx: TenantContext, @Arg('input', () => CreateDeviceInput) input: CreateDeviceInput): Promise<DeviceWithKey> {
    return createDevice(ctx, input);
  }

  @Mutation(() => Device, { description: 'Needs devices.update.' })
  updateDevice(@TenantCtx() ctx: TenantContext, @Arg('id', () => ID) id: string, @Arg('input', () => UpdateDeviceInput) input: UpdateDeviceInput): Promise<Device> {
    return updateDevice(ctx, requireId('id', id), input);
  }

  @Mutation(() => ID, { description: 'Removes a screen; its key stops working at once. Needs devices.delete.' })
  deleteDevice(@TenantCtx() ctx: TenantContext, @Arg('id', () => ID) id: string): Promise<string> {
    return deleteDevice(ctx, requireId('id', id));
  }

  @Mutation(() => DeviceWithKey, { description: 'Issues a new key; the old one stops working at once. Needs devices.update.' })
  rotateDeviceKey(@TenantCtx() ctx: TenantContext, @Arg('id', () => ID) id: string): Promise<DeviceWithKey> {
    return rotateDeviceKey(ctx, requireId('id', id));
  }

  @Mutation(() => PairingTicket, { description: 'An unpaired player asks for a pairing code. No credential.' })
  registerDevice(@Ctx() ctx: RequestContext): Promise<PairingTicket> {
    return registerDevice(ctx);
  }

  @Mutation(() => DeviceWithKey, { description: 'Pairs the player showing this code with the organisation. Needs devices.create.' })
  claimDevice(
    @TenantCtx() ctx: TenantContext,
    @Arg('pairingCode', () => String) pairingCode: string,
    @Arg('name', () => String) name: string,
  ): Promise<DeviceWithKey> {
    return claimDevice(ctx, pairingCode, name);
  }

  @Mutation(() => PairingStatus, { description: 'The player polls with its secret until claimed; the key comes once.' })
  pollPairing(@Ctx() ctx: RequestContext, @Arg('pollingSecret', () => String) pollingSecret: string): Promise<PairingStatus> {
    return pollPairing(ctx, pollingSecret);
  }

  @Query(() => Playlist, { description: 'The calling device\'s active assets. Device key only.' })
  devicePlaylist(@TenantCtx() ctx: TenantContext, @Arg('ifNoneMatch', () => String, { nullable: true }) ifNoneMatch?: string): Promise<Playlist> {
    return devicePlaylist(ctx, ifNoneMatch);
  }

  @Mutation(() => HeartbeatResult, { description: 'The calling device reports that it is alive. Device key only.' })
  deviceHeartbeat(@TenantCtx() ctx: TenantContext, @Arg('input', () => HeartbeatInput, { nullable: true }) input?: HeartbeatInput): Promise<HeartbeatResult> {
    return deviceHeartbeat(ctx, input ?? {});
  }

  @FieldResolver(() => String, { description: "The time zone its schedule runs in: its own, else the organisation's." })
  async effectiveTimezone(@Root() device: Device, @Ctx() ctx: RequestContext): Promise<string> {
    return device.timezone ?? (await tenantTimeZone(ctx));
  }
}
