import type { Command } from 'commander';
import type { CliRuntime } from '../runtime.js';

export function migrateCommand(program: Command, rt: () => CliRuntime): void {
  program
    .command('migrate')
    .description('apply pending migrations (safe to repeat)')
    .action(async () => {
      await (await rt().admin()).migrate();
      process.stdout.write('migrations applied\n');
    });
}
