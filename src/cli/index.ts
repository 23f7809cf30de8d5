import { Command, CommanderError } from 'commander';
import { migrateCommand } from './commands/migrate.js';
import { persistedCommands } from './commands/persisted.js';
import { rlsCommand } from './commands/rls.js';
import { tenantCommands } from './commands/tenants.js';
import { CliRuntime, exitCodeFor } from './runtime.js';

let runtime: CliRuntime | undefined;
const rt = (): CliRuntime => (runtime ??= new CliRuntime());

const program = new Command('anthias')
  .description('Anthias Cloud gateway: operate tenants, migrations and row-level security')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });
program.command('serve').description('run the gateway (as `npm start`)').action(async () => {
  await import('../main.js');
  await new Promise(() => {});
});
migrateCommand(program, rt);
rlsCommand(program, rt);
tenantCommands(program, rt);
persistedCommands(program);

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
