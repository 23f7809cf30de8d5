import type { KeyValueStore } from '../cache/kv-store.js';

/** Apollo's APQ cache interface over the key-value store, so every instance shares the documents. */
export function apqCache(store: KeyValueStore) {
  const key = (k: string) => `apq:${k}`;
  return {
    get: async (k: string) => (await store.get(key(k))) ?? undefined,
    set: async (k: string, value: string, options?: { ttl?: number | null }) =>
      store.set(key(k), value, options?.ttl ?? undefined),
    delete: async (k: string) => {
      await store.del(key(k));
    },
  };
}
