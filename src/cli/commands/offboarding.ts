import { resolve } from 'node:path';
import type { Command } from 'commander';
import { deleteTenant } from '../../operations/offboarding/offboarding.service.js';
import { progressBar } from '../progress.js';
import type { CliRuntime } from '../runtime.js';

export function offboardingCommand(program: Command, rt: () => CliRuntime): void {
  program
    .command('delete-tenant')
    .description('remove a tenant, its rows, domains, sole-member accounts and cached keys; optionally back it up first')
    .argument('<subdomain>')
    .requiredOption('--confirm <subdomain>', 'the same subdomain again')
    .option('--backup-dir <dir>', 'back up into this folder first; no backup, no deletion')
    .option('--json', 'machine-readable summary')
    .action(async (subdomain: string, o: { confirm: string; backupDir?: string; json?: boolean }) => {
      const runtime = rt();
      const { db } = await runtime.admin();
      const summary = await deleteTenant(
        db,
        await runtime.tenantCaches(),
        subdomain,
        { confirm: o.confirm, backupDir: o.backupDir === undefined ? undefined : resolve(o.backupDir) },
        progressBar(),
      );
      runtime.log.warn({ tenant_id: summary.tenant.id, subdomain, rows: summary.rows, backup: summary.backup }, 'tenant deleted');
      const total = Object.values(summary.rows).reduce((n, c) => n + c, 0);
      process.stdout.write(
        o.json
          ? `${JSON.stringify(summary, null, 2)}\n`
          : `${summary.tenant.id} ${subdomain} deleted: ${total} rows, ${summary.accountsDeleted} accounts${summary.backup ? `; backup ${summary.backup}` : ''}\n`,
      );
    });
}
