import { Agent, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startHarness } from '../support/harness.js';

type Answer = { status: number; connection: string | undefined; socketClosed: Promise<void> };

/** One request on a keep-alive connection; `socketClosed` settles when the server closes it. */
function post(url: string, agent: Agent, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => {
        const socket = req.socket!;
        const socketClosed = socket.destroyed ? Promise.resolve() : new Promise<void>((done) => socket.once('close', () => done()));
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, socketClosed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('shutdown', () => {
  it('finishes requests in flight, closes idle keep-alive connections at once, and does not wait for clients', async () => {
    const h = await startHarness();
    const t = await h.seedTenant();
    const idleAgent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    const busyAgent = new Agent({ keepAlive: true });
    try {
      const idle = await post(h.url, idleAgent, JSON.stringify({ query: '{ __typename }' }));
      expect(idle.status).toBe(200);
      // A sign-in takes tens of milliseconds: it is in flight when the close begins.
      const inFlight = post(h.url, busyAgent, JSON.stringify({ query: 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', variables: { e: t.ownerEmail, p: t.password } }));
      await new Promise((r) => setTimeout(r, 5));
      const started = Date.now();
      const closing = h.close();
      const answered = await inFlight;
      expect(answered.status).toBe(200);
      expect(answered.connection).toBe('close');
      await Promise.race([idle.socketClosed, new Promise((_, reject) => setTimeout(() => reject(new Error('idle connection still open')), 2_000))]);
      await closing;
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      idleAgent.destroy();
      busyAgent.destroy();
    }
  });
});
