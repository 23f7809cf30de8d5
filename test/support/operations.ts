/** Operations the tests send, as a client would. */
export const ASSET_FIELDS = `id name uri md5 mimetype duration startDate endDate isEnabled isProcessing nocache playOrder
  skipAssetCheck playDays playTimeFrom playTimeTo labels isActive createdAt updatedAt
  createdBy { id email } updatedBy { id email }`;

export const CREATE_ASSET = `mutation Create($input: CreateAssetInput!) { createAsset(input: $input) { ${ASSET_FIELDS} } }`;
export const UPDATE_ASSET = `mutation Update($id: ID!, $input: UpdateAssetInput!) { updateAsset(id: $id, input: $input) { ${ASSET_FIELDS} } }`;
export const DELETE_ASSET = `mutation Delete($id: ID!) { deleteAsset(id: $id) }`;
export const REORDER_ASSETS = `mutation Reorder($ids: [ID!]!) { reorderAssets(ids: $ids) { id playOrder } }`;
export const GET_ASSET = `query Get($id: ID!) { asset(id: $id) { ${ASSET_FIELDS} } }`;
export const LIST_ASSETS = `query List($filter: AssetFilter, $first: Int, $after: String, $orderBy: AssetOrder) {
  assets(filter: $filter, first: $first, after: $after, orderBy: $orderBy) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id name playOrder } }
  }
}`;
export const CREATE_API_KEY = `mutation Key($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { secret apiKey { id name prefix permissions expiresAt revokedAt lastUsedAt createdBy { id } } }
}`;
export const REVOKE_API_KEY = `mutation Revoke($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`;
export const AUDIT_LOGS = `query Audit($filter: AuditLogFilter, $first: Int, $after: String) {
  auditLogs(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id action actorType actorId targetType targetId changes requestId ipAddress userAgent createdAt }
  }
}`;

export const anAsset = (overrides: Record<string, unknown> = {}) => ({
  name: 'Lobby welcome',
  uri: 'https://cdn.example.test/welcome.png',
  mimetype: 'image',
  duration: 15,
  ...overrides,
});
