import postgres from 'postgres';
import type { Logger } from '../logger.js';

const RETRY_MS = { first: 250, max: 5_000 };

// The driver delivers notifications through this option (its own listen() is built on it) but
// leaves it out of its types.
type NotifyOption = { onnotify: (channel: string, payload: string) => void };

/**
 * LISTEN on one channel over a dedicated connection that is re-established for as long as the
 * process runs. `onConnect` runs on every (re)connection: notifications sent while the channel was
 * down are lost, so whoever listens must assume anything changed meanwhile.
 * (The driver's own listen() gives up for good if the database is down when it reconnects.)
 */
export function listenForever(
  url: string,
  channel: string,
  handlers: { onMessage: (payload: string) => void; onConnect: () => void },
  log: Logger,
): { ready: Promise<void>; stop(): Promise<void> } {
  let stopped = false;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let delay = RETRY_MS.first;
  let timer: NodeJS.Timeout | undefined;
  const options: postgres.Options<Record<string, never>> & NotifyOption = {
    max: 1,
    idle_timeout: 0,
    max_lifetime: 0,
    connect_timeout: 5,
    fetch_types: false,
    onnotice: () => {},
    connection: { application_name: 'anthias-gateway-listen' },
    onnotify: (c, payload) => {
      if (c === channel) handlers.onMessage(payload);
    },
    onclose: () => {
      if (!stopped) {
        log.warn({ channel }, 'announcement channel lost; reconnecting');
        schedule(0);
      }
    },
  };
  const sql = postgres(url, options);

  function schedule(ms: number): void {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, ms);
    timer.unref();
  }

  async function connect(): Promise<void> {
    try {
      await sql`listen ${sql(channel)}`;
      delay = RETRY_MS.first;
      handlers.onConnect();
      markReady();
    } catch (err) {
      if (stopped) return;
      log.warn({ err, channel, retryInMs: delay }, 'cannot listen for announcements yet');
      schedule(delay);
      delay = Math.min(delay * 2, RETRY_MS.max);
    }
  }

  void connect();
  return {
    ready,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await sql.end({ timeout: 1 });
    },
  };
}
