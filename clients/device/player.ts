import { setTimeout as sleep } from 'node:timers/promises';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  DeviceHeartbeatDocument,
  DevicePlaylistDocument,
  type DevicePlaylistQuery,
  PollPairingDocument,
  RegisterDeviceDocument,
} from './generated/graphql.js';

/**
 * The reference firmware side of the gateway: it pairs, fetches its playlist by trusted-document
 * hash only (never a query text), honours the etag and nextChangeAt, and sends heartbeats.
 */
export type PlaylistAsset = NonNullable<DevicePlaylistQuery['devicePlaylist']['assets']>[number];
export type PlaylistState = { etag: string; assets: PlaylistAsset[]; nextChangeAt: Date | null; changed: boolean };

export class GatewayError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const hashOf = (document: unknown): string => (document as { __meta__: { hash: string } }).__meta__.hash.replace(/^sha256:/, '');

/** The GraphQL endpoint of a gateway given by its base URL (`https://gw.example`) or the endpoint itself. */
export function graphqlEndpoint(url: string): string {
  const u = new URL(url);
  if (!u.pathname.endsWith('/graphql')) u.pathname = `${u.pathname.replace(/\/$/, '')}/graphql`;
  return u.toString();
}

export class DeviceClient {
  private etag: string | null = null;
  private assets: PlaylistAsset[] = [];
  private readonly url: string;

  constructor(
    url: string,
    public deviceKey: string | null = null,
  ) {
    this.url = graphqlEndpoint(url);
  }

  private async call<R, V>(document: TypedDocumentNode<R, V>, variables: V): Promise<R> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.deviceKey ? { authorization: `Bearer ${this.deviceKey}` } : {}),
      },
      body: JSON.stringify({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: hashOf(document) } } }),
    });
    const body = (await res.json()) as { data?: R; errors?: { message: string; extensions?: { code?: string } }[] };
    const error = body.errors?.[0];
    if (error || !body.data) throw new GatewayError(error?.extensions?.code ?? `HTTP_${res.status}`, error?.message ?? 'no data');
    return body.data;
  }

  /** Shows `onCode`'s code on screen and waits until a member claims it (bounded by the code's life). */
  async pair(onCode: (code: string) => void | Promise<void>): Promise<string> {
    const { registerDevice: ticket } = await this.call(RegisterDeviceDocument, {});
    await onCode(ticket.pairingCode);
    const deadline = new Date(ticket.expiresAt as string).getTime();
    for (;;) {
      const { pollPairing } = await this.call(PollPairingDocument, { pollingSecret: ticket.pollingSecret });
      if (pollPairing.state === 'CLAIMED' && pollPairing.deviceKey) {
        this.deviceKey = pollPairing.deviceKey;
        return pollPairing.deviceKey;
      }
      if (Date.now() >= deadline) throw new GatewayError('PAIRING_EXPIRED', 'nobody claimed the pairing code in time');
      await sleep(Math.min(ticket.pollIntervalSeconds * 1000, Math.max(0, deadline - Date.now())));
    }
  }

  /** The current playlist; with an unchanged etag the server sends no assets and the cached ones stay. */
  async playlist(): Promise<PlaylistState> {
    const { devicePlaylist: p } = await this.call(DevicePlaylistDocument, { ifNoneMatch: this.etag });
    const changed = !p.notModified;
    if (changed) this.assets = p.assets ?? [];
    this.etag = p.etag;
    return { etag: p.etag, assets: this.assets, nextChangeAt: p.nextChangeAt ? new Date(p.nextChangeAt as string) : null, changed };
  }

  async heartbeat(playerVersion: string): Promise<Date> {
    const { deviceHeartbeat } = await this.call(DeviceHeartbeatDocument, { input: { playerVersion } });
    return new Date(deviceHeartbeat.serverTime as string);
  }

  /**
   * Plays until `signal` aborts: a heartbeat every `heartbeatMs`, and a playlist fetch at the
   * schedule's next change or every `refreshMs` (changes made by people are not scheduled).
   */
  async run(opts: { signal: AbortSignal; onPlaylist: (p: PlaylistState) => void; heartbeatMs?: number; refreshMs?: number; version?: string }): Promise<void> {
    const { signal, heartbeatMs = 30_000, refreshMs = 60_000, version = 'reference-client/1' } = opts;
    let nextHeartbeat = 0;
    while (!signal.aborted) {
      if (Date.now() >= nextHeartbeat) {
        await this.heartbeat(version);
        nextHeartbeat = Date.now() + heartbeatMs;
      }
      const state = await this.playlist();
      if (state.changed) opts.onPlaylist(state);
      const untilChange = state.nextChangeAt ? state.nextChangeAt.getTime() - Date.now() : Infinity;
      const wait = Math.max(50, Math.min(refreshMs, untilChange, nextHeartbeat - Date.now()));
      await sleep(wait, undefined, { signal }).catch(() => undefined);
    }
  }
}

async function main(): Promise<void> {
  const url = process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql';
  const client = new DeviceClient(url, process.env.DEVICE_KEY ?? null);
  if (!client.deviceKey) {
    await client.pair((code) => {
      process.stdout.write(`Pairing code: ${code}  (claim it in the console with claimDevice)\n`);
    });
    process.stdout.write('Paired. Set DEVICE_KEY to this key to skip pairing next time:\n' + `${client.deviceKey}\n`);
  }
  const controller = new AbortController();
  process.on('SIGINT', () => controller.abort());
  const minutes = Number(process.env.RUN_MINUTES ?? 60);
  setTimeout(() => controller.abort(), minutes * 60_000).unref();
  await client.run({
    signal: controller.signal,
    refreshMs: Number(process.env.REFRESH_MS ?? 60_000),
    onPlaylist: (p) =>
      process.stdout.write(
        `[${new Date().toISOString()}] playing ${p.assets.length} asset(s): ${p.assets.map((a) => a.name).join(', ') || '(nothing)'}` +
          `; next change ${p.nextChangeAt?.toISOString() ?? 'none scheduled'}\n`,
      ),
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
