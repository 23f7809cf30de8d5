/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** From the last heartbeat and DEVICE_OFFLINE_AFTER_SECONDS. */
export type DeviceStatus =
  | 'OFFLINE'
  | 'ONLINE';

/** What a player reports about itself. */
export type HeartbeatInput = {
  /** Player software version, such as v0.19.4. */
  playerVersion?: string | null | undefined;
};

export type PairingState =
  | 'CLAIMED'
  | 'PENDING';

export type DeviceHeartbeatMutationVariables = Exact<{
  input?: HeartbeatInput | null | undefined;
}>;


export type DeviceHeartbeatMutation = { deviceHeartbeat: { serverTime: unknown, status: DeviceStatus } };

export type DevicePlaylistQueryVariables = Exact<{
  ifNoneMatch?: string | null | undefined;
}>;


export type DevicePlaylistQuery = { devicePlaylist: { etag: string, notModified: boolean, serverTime: unknown, timezone: string, nextChangeAt: unknown, assets: Array<{ id: string, name: string, uri: string, mimetype: string, duration: number, md5: string | null, nocache: boolean, skipAssetCheck: boolean, playOrder: number }> | null } };

export type PollPairingMutationVariables = Exact<{
  pollingSecret: string;
}>;


export type PollPairingMutation = { pollPairing: { state: PairingState, deviceKey: string | null, deviceId: string | null } };

export type RegisterDeviceMutationVariables = Exact<{ [key: string]: never; }>;


export type RegisterDeviceMutation = { registerDevice: { pairingCode: string, pollingSecret: string, expiresAt: unknown, pollIntervalSeconds: number } };


export const DeviceHeartbeatDocument = {"__meta__":{"hash":"sha256:177c54093a37589cb3ef7772d462506db6e21977b9fbe7f36aa0487ad4df7ed9"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeviceHeartbeat"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"HeartbeatInput"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deviceHeartbeat"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"serverTime"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}}]} as unknown as DocumentNode<DeviceHeartbeatMutation, DeviceHeartbeatMutationVariables>;
export const DevicePlaylistDocument = {"__meta__":{"hash":"sha256:da7eb038a17c98f0e0b887e5730a4b0c9cda52f9309c83b5c0ca4d694598a9b0"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DevicePlaylist"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"ifNoneMatch"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"devicePlaylist"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"ifNoneMatch"},"value":{"kind":"Variable","name":{"kind":"Name","value":"ifNoneMatch"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"etag"}},{"kind":"Field","name":{"kind":"Name","value":"notModified"}},{"kind":"Field","name":{"kind":"Name","value":"serverTime"}},{"kind":"Field","name":{"kind":"Name","value":"timezone"}},{"kind":"Field","name":{"kind":"Name","value":"nextChangeAt"}},{"kind":"Field","name":{"kind":"Name","value":"assets"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"uri"}},{"kind":"Field","name":{"kind":"Name","value":"mimetype"}},{"kind":"Field","name":{"kind":"Name","value":"duration"}},{"kind":"Field","name":{"kind":"Name","value":"md5"}},{"kind":"Field","name":{"kind":"Name","value":"nocache"}},{"kind":"Field","name":{"kind":"Name","value":"skipAssetCheck"}},{"kind":"Field","name":{"kind":"Name","value":"playOrder"}}]}}]}}]}}]} as unknown as DocumentNode<DevicePlaylistQuery, DevicePlaylistQueryVariables>;
export const PollPairingDocument = {"__meta__":{"hash":"sha256:01649b69502ab19c8229abff649ff745921cf01ea0a2a71cdd69d4b615ff787e"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PollPairing"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"pollingSecret"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pollPairing"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"pollingSecret"},"value":{"kind":"Variable","name":{"kind":"Name","value":"pollingSecret"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"deviceKey"}},{"kind":"Field","name":{"kind":"Name","value":"deviceId"}}]}}]}}]} as unknown as DocumentNode<PollPairingMutation, PollPairingMutationVariables>;
export const RegisterDeviceDocument = {"__meta__":{"hash":"sha256:60332497e819b8f6f47424f5cf04a58eb37c88e8f8fe514788e772c8203689a5"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RegisterDevice"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"registerDevice"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pairingCode"}},{"kind":"Field","name":{"kind":"Name","value":"pollingSecret"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"pollIntervalSeconds"}}]}}]}}]} as unknown as DocumentNode<RegisterDeviceMutation, RegisterDeviceMutationVariables>;