import { Arg, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { TenantCtx } from '../../graphql/tenant-ctx.js';
import type { TenantContext } from '../../tenancy/context.js';
import { requireId } from '../../graphql/ids.js';
import { createQrContent, deleteQrContent, getQrContent, listQrContents, qrSvg, shortUrl, updateQrContent } from './qr.service.js';
import { CreateQrContentInput, QrContent, QrContentConnection, UpdateQrContentInput } from './qr.type.js';

@Resolver(() => QrContent)
export class QrResolver {
  @Query(() => QrContentConnection, { description: "The organisation's QR contents, newest first. Needs qr.view." })
  qrContents(
    @TenantCtx() ctx: TenantContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return listQrContents(ctx, first, after);
  }

  @Query(() => QrContent, { nullable: true })
  qrContent(@TenantCtx() ctx: TenantContext, @Arg('id', () => ID) id: string): Promise<QrContent | null> {
    return getQrContent(ctx, requireId('id', id));
  }

  @Mutation(() => QrContent, { description: 'Needs qr.create.' })
  createQrContent(@TenantCtx() ctx: TenantContext, @Arg('input', () => CreateQrContentInput) input: CreateQrContentInput): Promise<QrContent> {
    return createQrContent(ctx, input);
  }

  @Mutation(() => QrContent, { description: 'Needs qr.update.' })
  updateQrContent(@TenantCtx() ctx: TenantContext, @Arg('id', () => ID) id: string, @Arg('input', () => UpdateQrContentInput) input: UpdateQrContentInput): Promise<QrContent> {
    return updateQrContent(ctx, requireId('id', id), input);
  }

  @Mutation(() => ID, { description: 'Needs qr.delete.' })
  deleteQrContent(@TenantCtx() ctx: TenantContext, @Arg('id', () => ID) id: string): Promise<string> {
    return deleteQrContent(ctx, requireId('id', id));
  }

  @FieldResolver(() => String, { description: 'The counted short link the QR code encodes: <PUBLIC_URL>/q/<code>.' })
  shortUrl(@Root() qr: QrContent, @TenantCtx() ctx: TenantContext): string {
    return shortUrl(ctx, qr.code);
  }

  @FieldResolver(() => String, { description: 'The QR code as an SVG document.' })
  svg(@Root() qr: QrContent, @TenantCtx() ctx: TenantContext): Promise<string> {
    return qrSvg(shortUrl(ctx, qr.code));
  }
}
