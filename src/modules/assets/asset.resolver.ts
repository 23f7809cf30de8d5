import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { selectedNodeFields } from '../../graphql/look-ahead.js';
import { TenantCtx } from '../../graphql/tenant-ctx.js';
import type { RequestContext, TenantContext } from '../../tenancy/context.js';
import { requireId } from '../../graphql/ids.js';
import type { UserSummary } from '../../tenancy/loaders.js';
import { User } from '../identity/user.type.js';
import { tenantTimeZone } from '../tenants/tenant.service.js';
import { AssetFilter, CreateAssetInput, UpdateAssetInput } from './asset.input.js';
import { createAsset, deleteAsset, getAsset, listAssets, reorderAssets, updateAsset } from './asset.service.js';
import { Asset, AssetConnection, AssetOrder } from './asset.type.js';
import { isActiveAt } from './schedule.js';

@Resolver(() => Asset)
export class AssetResolver {
  @Query(() => AssetConnection, { description: "The organisation's assets, a page at a time. Needs assets.view." })
  assets(
    @TenantCtx() ctx: TenantContext,
    @Arg('filter', () => AssetFilter, { nullable: true }) filter?: AssetFilter,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 1 to 100 (default 20).' }) first?: number,
    @Arg('after', () => String, { nullable: true, description: 'The endCursor of the previous page.' }) after?: string,
    @Arg('orderBy', () => AssetOrder, { nullable: true, defaultValue: AssetOrder.CREATED_AT_DESC }) orderBy?: AssetOrder | null,
    @Info() info?: GraphQLResolveInfo,
  ) {
    return listAssets(ctx, filter, first, after, orderBy, info && selectedNodeFields(info));
  }

  @Query(() => Asset, { nullable: true, description: 'One asset; null when it does not exist in this organisation.' })
  asset(@TenantCtx() ctx: TenantContext, @Arg('id', () => ID) id: string): Promise<Asset | null> {
    return getAsset(ctx, requireId('id', id));
  }

  @Mutation(() => Asset, { description: 'Adds an asset at the end of the playlist. Needs assets.create.' })
  createAsset(@TenantCtx() ctx: TenantContext, @Arg('input', () => CreateAssetInput) input: CreateAssetInput): Promise<Asset> {
    return createAsset(ctx, input);
  }

  @Mutation(() => Asset, { description: 'Changes an asset. Needs assets.update.' })
  updateAsset(
    @TenantCtx() ctx: TenantContext,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateAssetInput) input: UpdateAssetInput,
  ): Promise<Asset> {
    return updateAsset(ctx, requireId('id', id), input);
  }

  @Mutation(() => ID, { description: 'Deletes an asset and returns its id. Needs assets.delete.' })
  deleteAsset(@TenantCtx() ctx: TenantContext, @Arg('id', () => ID) id: string): Promise<string> {
    return deleteAsset(ctx, requireId('id', id));
  }

  @Mutation(() => [Asset], { description: 'Sets the play order: the listed assets first, in that order. Needs assets.update.' })
  reorderAssets(@TenantCtx() ctx: TenantContext, @Arg('ids', () => [ID]) ids: string[]): Promise<Asset[]> {
    return reorderAssets(ctx, ids.map((id, i) => requireId(`ids[${i}]`, id)));
  }

  @FieldResolver(() => Boolean, { description: "Whether it plays now, in the organisation's time zone." })
  async isActive(@Root() asset: Asset, @Ctx() ctx: RequestContext): Promise<boolean> {
    return isActiveAt(asset, new Date(), await tenantTimeZone(ctx));
  }

  @FieldResolver(() => User, { nullable: true })
  createdBy(@Root() asset: Asset, @Ctx() ctx: RequestContext): Promise<UserSummary | null> | null {
    return asset.createdById ? ctx.loaders.userById.load(asset.createdById) : null;
  }

  @FieldResolver(() => User, { nullable: true })
  updatedBy(@Root() asset: Asset, @Ctx() ctx: RequestContext): Promise<UserSummary | null> | null {
    return asset.updatedById ? ctx.loaders.userById.load(asset.updatedById) : null;
  }
}
