import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../support/fault-services.js';

/* The private redis-server the fault tests stop and pause: it does what it says, on its own port. */

let redis: RedisServer;
let client: Redis;

beforeAll(async () => {
  redis = await startRedis();
  // No retries and a short timeout: each command shows the server's state at once.
  client = new Redis(redis.url(), { maxRetriesPerRequest: 0, commandTimeout: 1_000, retryStrategy: () => 50 });
  client.on('error', () => {}); // refused connections while stopped are the point
});
afterAll(async () => {
  client?.disconnect();
  await redis?.destroy();
});

const ping = () => client.ping().catch((e: Error) => e.message);

it('stops and starts on the same port, and answers again', async () => {
  expect(redis.url()).toBe(`redis://127.0.0.1:${redis.port}`);
  expect(await ping()).toBe('PONG');
  await redis.stop();
  expect(await ping()).not.toBe('PONG');
  await redis.start();
  await expect.poll(ping, { timeout: 5_000 }).toBe('PONG');
});

it('does not answer while paused, and answers again once resumed', async () => {
  await expect.poll(ping, { timeout: 5_000 }).toBe('PONG');
  redis.pause();
  try {
    expect(await ping()).toMatch(/timed out/i);
  } finally {
    redis.resume();
  }
  await expect.poll(ping, { timeout: 5_000 }).toBe('PONG');
});
