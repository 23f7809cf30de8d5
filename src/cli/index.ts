import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { importAnthiasCommand } from './commands/import-anthias.js';
import { backupCommands } from './commands/backup.js';
import { isolationCommand } from './commands/isolation.js';
import { loginRoleCommand } from './commands/login-role.js';
import { migrateCommand } from './commands/migrate.js';
import { offboardingCommand } from './commands/offboarding.js';
import { ownerCommands } from './commands/owners.js';
import { persistedCommands } from './commands/persisted.js';
import { retentionCommand } from './commands/retention.js';
import { rlsCommand } from './commands/rls.js';
import { tenantCommands } from './commands/tenants.js';
import { CliRuntime, exitCodeFor } from './runtime.js';

let runtime: CliRuntime | undefined;
const rt = (): CliRuntime => (runtime ??= new CliRuntime());

// The package root is two levels up from src/cli/ and from the build's dist/cli/ alike.
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('anthias')
  .description('Anthias Cloud gateway: operate tenants, migrations and row-level security')
  .version(version, '-V, --version', 'print the version')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });
program.command('serve').description('run the gateway (as `npm start`)').action(async () => {
  await import('../main.js');
  await new Promise(() => {});
});
migrateCommand(program, rt);
rlsCommand(program, rt);
loginRoleCommand(program, rt);
tenantCommands(program, rt);
backupCommands(program, rt);
isolationCommand(program, rt);
offboardingCommand(program, rt);
ownerCommands(program, rt);
retentionCommand(program, rt);
persistedCommands(program);
importAnthiasCommand(program, rt);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Usage errors (unknown option, missing argument): commander printed them already.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    const { code, message } = exitCodeFor(err);
    process.stderr.write(`error: ${message}\n`);
    process.exitCode = code;
  }
} finally {
  await runtime?.close();
}
