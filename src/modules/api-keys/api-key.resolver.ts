import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { TenantCtx } from '../../graphql/tenant-ctx.js';
import type { RequestContext, TenantContext } from '../../tenancy/context.js';
import { requireId } from '../../graphql/ids.js';
import type { UserSummary } from '../../tenancy/loaders.js';
import { User } from '../identity/user.type.js';
import { createApiKey, listApiKeys, revokeApiKey } from './api-key.service.js';
import { ApiKey, CreateApiKeyInput, CreatedApiKey } from './api-key.type.js';

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @Query(() => [ApiKey], { description: "The organisation's API keys, newest first (never their secrets). Needs apikeys.manage." })
  apiKeys(@TenantCtx() ctx: TenantContext): Promise<ApiKey[]> {
    return listApiKeys(ctx);
  }

  @Mutation(() => CreatedApiKey, { description: 'Creates a key with a subset of your permissions; the secret is returned once.' })
  createApiKey(@TenantCtx() ctx: TenantContext, @Arg('input', () => CreateApiKeyInput) input: CreateApiKeyInput): Promise<CreatedApiKey> {
    return createApiKey(ctx, input);
  }

  @Mutation(() => ApiKey, { description: 'Revokes a key; it is refused from its next request on.' })
  revokeApiKey(@TenantCtx() ctx: TenantContext, @Arg('id', () => ID) id: string): Promise<ApiKey> {
    return revokeApiKey(ctx, requireId('id', id));
  }

  @FieldResolver(() => User, { nullable: true, description: 'Whose rights the key exercises.' })
  createdBy(@Root() key: ApiKey, @Ctx() ctx: RequestContext): Promise<UserSummary | null> | null {
    return key.createdById ? ctx.loaders.userById.load(key.createdById) : null;
  }
}
