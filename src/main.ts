import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { seedDemoTenant } from './demo-seed.js';
import { createLogger } from './logger.js';

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
  log.info({ url: `http://${config.http.host}:${config.http.port}/graphql` }, 'gateway listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`Failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
