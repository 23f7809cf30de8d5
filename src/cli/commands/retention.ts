import type { Command } from 'commander';
import { pruneAudit } from '../../operations/retention/prune-audit.service.js';
import { progressBar } from '../progress.js';
import type { CliRuntime } from '../runtime.js';

export function retentionCommand(program: Command, rt: () => CliRuntime): void {
  program
    .command('prune-audit')
    .description('remove audit rows older than DAYS (every tenant, or one), leaving a row that says so in each pruned trail')
    .requiredOption('--older-than <days>', 'age in whole days')
    .option('--tenant <subdomain>', 'only this tenant')
    .option('--json', 'machine-readable summary')
    .action(async (o: { olderThan: string; tenant?: string; json?: boolean }) => {
      const olderThanDays = /^\d+$/.test(o.olderThan) ? Number(o.olderThan) : Number.NaN;
      const runtime = rt();
      const { db } = await runtime.admin();
      const summary = await pruneAudit(db, { olderThanDays, subdomain: o.tenant }, progressBar());
      runtime.log.warn({ removed: summary.removed, tenants: summary.tenants.length, cutoff: summary.cutoff }, 'audit pruned');
      process.stdout.write(
        o.json
          ? `${JSON.stringify(summary, null, 2)}\n`
          : `${summary.removed} audit rows older than ${summary.cutoff} removed from ${summary.tenants.length} tenants\n`,
      );
    });
}
