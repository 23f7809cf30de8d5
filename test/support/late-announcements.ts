import { vi } from 'vitest';
import type { Harness } from './harness.js';

/**
 * Runs `fn` while the harness's gateway hears its own announcements (sessions ended, caches
 * dropped) a second late, as under load: what a request ended must be over on the instance that
 * answered it without waiting for them.
 */
export async function withLateAnnouncements<T>(h: Harness, fn: () => Promise<T>): Promise<T> {
  const bus = h.app.deps.bus as unknown as { receive(raw: string): void };
  const receive = bus.receive.bind(bus);
  const late = vi.spyOn(bus, 'receive').mockImplementation((raw) => void setTimeout(() => receive(raw), 1_000));
  try {
    return await fn();
  } finally {
    late.mockRestore();
  }
}
