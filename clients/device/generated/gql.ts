/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation DeviceHeartbeat($input: HeartbeatInput) {\n  deviceHeartbeat(input: $input) {\n    serverTime\n    status\n  }\n}": typeof types.DeviceHeartbeatDocument,
    "query DevicePlaylist($ifNoneMatch: String) {\n  devicePlaylist(ifNoneMatch: $ifNoneMatch) {\n    etag\n    notModified\n    serverTime\n    timezone\n    nextChangeAt\n    assets {\n      id\n      name\n      uri\n      mimetype\n      duration\n      md5\n      nocache\n      skipAssetCheck\n      playOrder\n    }\n  }\n}": typeof types.DevicePlaylistDocument,
    "mutation PollPairing($pollingSecret: String!) {\n  pollPairing(pollingSecret: $pollingSecret) {\n    state\n    deviceKey\n    deviceId\n  }\n}": typeof types.PollPairingDocument,
    "mutation RegisterDevice {\n  registerDevice {\n    pairingCode\n    pollingSecret\n    expiresAt\n    pollIntervalSeconds\n  }\n}": typeof types.RegisterDeviceDocument,
};
const documents: Documents = {
    "mutation DeviceHeartbeat($input: HeartbeatInput) {\n  deviceHeartbeat(input: $input) {\n    serverTime\n    status\n  }\n}": types.DeviceHeartbeatDocument,
    "query DevicePlaylist($ifNoneMatch: String) {\n  devicePlaylist(ifNoneMatch: $ifNoneMatch) {\n    etag\n    notModified\n    serverTime\n    timezone\n    nextChangeAt\n    assets {\n      id\n      name\n      uri\n      mimetype\n      duration\n      md5\n      nocache\n      skipAssetCheck\n      playOrder\n    }\n  }\n}": types.DevicePlaylistDocument,
    "mutation PollPairing($pollingSecret: String!) {\n  pollPairing(pollingSecret: $pollingSecret) {\n    state\n    deviceKey\n    deviceId\n  }\n}": types.PollPairingDocument,
    "mutation RegisterDevice {\n  registerDevice {\n    pairingCode\n    pollingSecret\n    expiresAt\n    pollIntervalSeconds\n  }\n}": types.RegisterDeviceDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeviceHeartbeat($input: HeartbeatInput) {\n  deviceHeartbeat(input: $input) {\n    serverTime\n    status\n  }\n}"): (typeof documents)["mutation DeviceHeartbeat($input: HeartbeatInput) {\n  deviceHeartbeat(input: $input) {\n    serverTime\n    status\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query DevicePlaylist($ifNoneMatch: String) {\n  devicePlaylist(ifNoneMatch: $ifNoneMatch) {\n    etag\n    notModified\n    serverTime\n    timezone\n    nextChangeAt\n    assets {\n      id\n      name\n      uri\n      mimetype\n      duration\n      md5\n      nocache\n      skipAssetCheck\n      playOrder\n    }\n  }\n}"): (typeof documents)["query DevicePlaylist($ifNoneMatch: String) {\n  devicePlaylist(ifNoneMatch: $ifNoneMatch) {\n    etag\n    notModified\n    serverTime\n    timezone\n    nextChangeAt\n    assets {\n      id\n      name\n      uri\n      mimetype\n      duration\n      md5\n      nocache\n      skipAssetCheck\n      playOrder\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation PollPairing($pollingSecret: String!) {\n  pollPairing(pollingSecret: $pollingSecret) {\n    state\n    deviceKey\n    deviceId\n  }\n}"): (typeof documents)["mutation PollPairing($pollingSecret: String!) {\n  pollPairing(pollingSecret: $pollingSecret) {\n    state\n    deviceKey\n    deviceId\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RegisterDevice {\n  registerDevice {\n    pairingCode\n    pollingSecret\n    expiresAt\n    pollIntervalSeconds\n  }\n}"): (typeof documents)["mutation RegisterDevice {\n  registerDevice {\n    pairingCode\n    pollingSecret\n    expiresAt\n    pollIntervalSeconds\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;