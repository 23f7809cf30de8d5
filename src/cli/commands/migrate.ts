import type { Command } from 'commander';
import { migrationLevel } from '../../db/migration-level.js';
import type { CliRuntime } from '../runtime.js';

export function migrateCommand(program: Command, rt: () => CliRuntime): void {
  program
    .command('migrate')
    .description('apply pending migrations (safe to repeat)')
    .action(async () => {
      const handle = await rt().admin();
      const applied = await handle.migrate();
      const { tag } = await migrationLevel(handle.db);
      process.stdout.write(
        applied ? `applied ${applied} migration${applied === 1 ? '' : 's'}; the database is at ${tag}\n` : `nothing to apply: the database is at ${tag}\n`,
      );
    });
}
