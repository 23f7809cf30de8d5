import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { DatabaseProblem } from './db/problems.js';
import { seedDemoTenant } from './demo-seed.js';
import { createLogger } from './logger.js';

// Orchestrators wait about 30 s before SIGKILL; in-flight requests are bounded by the statement timeout.
const SHUTDOWN_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, config.env === 'development' && process.stdout.isTTY);
  const app = await createApp(config, log);
  if (app.deps.database.kind === 'pglite') {
    log.warn({ dataDir: config.db.dataDir }, 'DATABASE_URL is not set: using the embedded PGlite database');
    await app.deps.database.migrate();
    const demo = await seedDemoTenant(app.deps.database.db);
    if (demo) {
      process.stdout.write(
        `\nDemo tenant "demo" created. Owner: ${demo.email}  Password: ${demo.password}\n` +
          'This password is shown once; keep it.\n\n',
      );
    }
  }
  await app.http.listen({ port: config.http.port, host: config.http.host });
  await app.internal.listen({ port: config.internal.port, host: config.internal.host });
  log.info(
    { url: `http://${config.http.host}:${config.http.port}/graphql`, internal: `http://${config.internal.host}:${config.internal.port}` },
    'gateway listening',
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing requests in flight');
    // Past the deadline, whatever is still open is cut: a deploy never waits on a stuck client.
    const deadline = setTimeout(() => {
      log.warn({ afterMs: SHUTDOWN_DEADLINE_MS }, 'shutdown deadline passed: closing remaining connections');
      app.http.server.closeAllConnections();
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    await app.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else if (err instanceof DatabaseProblem) process.stderr.write(`cannot start: ${err.message}\n`);
  else process.stderr.write(`Failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
