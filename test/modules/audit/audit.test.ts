import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLogs } from '../../../src/db/schema/index.js';
import { dbError } from '../../support/db-error.js';
import { codes, type Harness, type Member, type SeededTenant, startHarness } from '../../support/harness.js';
import {
  anAsset, AUDIT_LOGS, CREATE_API_KEY, CREATE_ASSET, DELETE_ASSET, REORDER_ASSETS, REVOKE_API_KEY, UPDATE_ASSET,
} from '../../support/operations.js';

type AuditNode = {
  id: string; action: string; actorType: string; actorId: string | null; targetType: string | null; targetId: string | null;
  changes: Record<string, { before?: unknown; after?: unknown }> | null; requestId: string | null; ipAddress: string | null; userAgent: string | null;
};
type AuditOut = { auditLogs: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: AuditNode[] } };

let h: Harness;
let t: SeededTenant;
let owner: string;
let editor: Member;
let editorToken: string;

beforeAll(async () => {
  h = await startHarness();
  t = await h.seedTenant();
  owner = await h.login(t.ownerEmail);
  editor = await h.addMember(t.id, 'editor');
  editorToken = await h.login(editor.email);
});
afterAll(() => h?.close());

const audit = (filter: Record<string, unknown> = {}, first?: number, after?: string | null) =>
  h.gql<AuditOut>(AUDIT_LOGS, { filter, first, after }, { token: owner, tenant: t.subdomain });
const asEditor = (query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) =>
  h.gql<Record<string, { id: string } & Record<string, unknown>>>(query, variables, { token: editorToken, tenant: t.subdomain, headers });

describe('the audit trail', () => {
  it('records one row per successful mutation with actor, diff, request id, address and agent', async () => {
    const headers = { 'x-request-id': 'req-create-1', 'user-agent': 'console/1.0', 'x-forwarded-for': '203.0.113.7' };
    const created = await asEditor(CREATE_ASSET, { input: anAsset({ name: 'Audited' }) }, headers);
    const id = created.body.data!.createAsset!.id;
    await asEditor(UPDATE_ASSET, { id, input: { name: 'Audited v2', duration: 15 } });
    await asEditor(REORDER_ASSETS, { ids: [id] });
    await asEditor(DELETE_ASSET, { id });

    const rows = (await audit({ target: id })).body.data!.auditLogs.nodes;
    expect(rows.map((r) => r.action)).toEqual(['asset.delete', 'asset.update', 'asset.create']);
    const [deleted, updated, create] = rows;
    expect(create).toMatchObject({ actorType: 'user', actorId: editor.userId, targetType: 'asset', requestId: 'req-create-1', ipAddress: '203.0.113.7', userAgent: 'console/1.0' });
    expect(create!.changes!.name).toEqual({ after: 'Audited' });
    expect(updated!.changes).toEqual({ name: { before: 'Audited', after: 'Audited v2' } });
    expect(deleted!.changes!.name).toEqual({ before: 'Audited v2' });
    const reorder = (await audit({ action: 'asset.reorder' })).body.data!.auditLogs.nodes;
    expect(reorder[0]!.changes).toEqual({ order: { after: [id] } });
  });

  it('leaves no row for a failed mutation, and rolls back a whole document when one mutation fails', async () => {
    const before = (await audit()).body.data!.auditLogs.totalCount;
    expect(codes(await asEditor(CREATE_ASSET, { input: anAsset({ uri: 'ftp://nope' }) }))).toEqual(['BAD_USER_INPUT']);
    const both = await asEditor(
      `mutation($good: CreateAssetInput!, $bad: CreateAssetInput!) { good: createAsset(input: $good) { id } bad: createAsset(input: $bad) { id } }`,
      { good: anAsset({ name: 'would-be' }), bad: anAsset({ duration: -1 }) },
    );
    expect(codes(both)).toEqual(['BAD_USER_INPUT']);
    expect((await audit()).body.data!.auditLogs.totalCount).toBe(before);
    const names = await h.gql<{ assets: { nodes: { name: string }[] } }>('{ assets(first: 100) { nodes { name } } }', {}, { token: owner, tenant: t.subdomain });
    expect(names.body.data!.assets.nodes.map((n) => n.name)).not.toContain('would-be');
  });

  it('names an API key as the actor and never records a secret', async () => {
    const key = await h.gql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
      CREATE_API_KEY, { input: { name: 'importer', permissions: ['assets.create', 'assets.view'] } }, { token: owner, tenant: t.subdomain });
    const { secret, apiKey } = key.body.data!.createApiKey;
    const created = await h.gql<{ createAsset: { id: string } }>(CREATE_ASSET, { input: anAsset({ name: 'by key' }) }, { token: secret });
    const rows = (await audit({ target: created.body.data!.createAsset.id })).body.data!.auditLogs.nodes;
    expect(rows[0]).toMatchObject({ action: 'asset.create', actorType: 'api_key', actorId: apiKey.id });
    await h.gql(REVOKE_API_KEY, { id: apiKey.id }, { token: owner, tenant: t.subdomain });
    const keyRows = (await audit({ target: apiKey.id })).body.data!.auditLogs.nodes;
    expect(keyRows.map((r) => r.action)).toEqual(['api_key.revoke', 'api_key.create']);
    const stored = JSON.stringify(await h.admin.select().from(auditLogs).where(eq(auditLogs.targetId, apiKey.id)));
    expect(stored).not.toContain(secret.split('_').at(-1)!);
    expect(stored).not.toMatch(/key_?hash/i);
  });

  it('filters by action, actor, target and time, and pages', async () => {
    const byActor = (await audit({ actor: editor.userId })).body.data!.auditLogs.nodes;
    expect(byActor.length).toBeGreaterThan(0);
    expect(byActor.every((r) => r.actorId === editor.userId)).toBe(true);
    expect((await audit({ action: 'tenant.create' })).body.data!.auditLogs.nodes).toHaveLength(1);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await audit({ since: future })).body.data!.auditLogs.totalCount).toBe(0);
    expect((await audit({ until: '2000-01-01T00:00:00Z' })).body.data!.auditLogs.totalCount).toBe(0);
    const first = (await audit({}, 2)).body.data!.auditLogs;
    const second = (await audit({}, 2, first.pageInfo.endCursor)).body.data!.auditLogs;
    expect(first.nodes).toHaveLength(2);
    expect(second.nodes[0]!.id).not.toBe(first.nodes[1]!.id);
    expect(codes(await audit({ actor: 'someone' }))).toEqual(['BAD_USER_INPUT']);
  });

  it('needs audit.view', async () => {
    expect(codes(await asEditor(AUDIT_LOGS, {}))).toEqual(['FORBIDDEN']);
  });

  it('cannot be rewritten or deleted by the runtime role', async () => {
    expect(await dbError(h.asTenant(t.id, (tx) => tx.update(auditLogs).set({ action: 'forged' })))).toMatch(/permission denied/);
    expect(await dbError(h.asTenant(t.id, (tx) => tx.delete(auditLogs)))).toMatch(/permission denied/);
  });
});
