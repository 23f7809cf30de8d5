import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { archiveName, backupAll, backupTenant } from '../../operations/backup/backup.service.js';
import { restoreTenantBackup } from '../../operations/backup/restore.service.js';
import { tenantBySubdomain } from '../../modules/tenants/tenant-admin.service.js';
import { progressBar } from '../progress.js';
import type { CliRuntime } from '../runtime.js';

const days = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a whole number of days ≥ 1');
  return Number(value);
};

export function backupCommands(program: Command, rt: () => CliRuntime): void {
  program
    .command('backup-tenant')
    .description("write one tenant's archive (every tenant table, its members; no password hashes)")
    .argument('<subdomain>')
    .option('--out <file>', 'archive to write (default: anthias-<subdomain>-<id>-<time>.tar.gz here)')
    .option('--json', 'print the manifest as JSON')
    .action(async (subdomain: string, o: { out?: string; json?: boolean }) => {
      const { db } = await rt().admin();
      const file = resolve(o.out ?? archiveName(await tenantBySubdomain(db, subdomain), new Date()));
      const manifest = await backupTenant(db, subdomain, file, progressBar());
      const rows = manifest.tables.reduce((n, t) => n + t.rows, 0);
      process.stdout.write(o.json ? `${JSON.stringify({ file, ...manifest }, null, 2)}\n` : `${file} ${rows} rows\n`);
    });

  program
    .command('backup')
    .description('write an archive per tenant into a folder, pruning older ones')
    .requiredOption('--all', 'every tenant (the only mode)')
    .requiredOption('--dir <dir>', 'folder for the archives')
    .option('--keep-days <n>', "remove each tenant's archives older than this many days", days)
    .option('--json', 'one JSON object per tenant, a line each')
    .action(async (o: { dir: string; keepDays?: number; json?: boolean }) => {
      const { db } = await rt().admin();
      const results = await backupAll(db, resolve(o.dir), o.keepDays, progressBar(), (r) =>
        process.stdout.write(o.json ? `${JSON.stringify(r)}\n` : `${r.subdomain} ${r.error ? `FAILED ${r.error}` : `${r.file} ${r.rows} rows`}\n`),
      );
      if (results.some((r) => r.error)) process.exitCode = 1;
    });

  program
    .command('restore-tenant-backup')
    .description("replace a tenant's data with an archive's, or clone it into a new tenant (--as-new)")
    .argument('<file>')
    .requiredOption('--confirm-restore', 'required: the restore replaces the tenant’s current data')
    .option('--as-new <subdomain>', 'clone into a new tenant under this subdomain, every id remapped')
    .option('--json', 'machine-readable summary')
    .action(async (file: string, o: { asNew?: string; json?: boolean }) => {
      const runtime = rt();
      const { db } = await runtime.admin();
      const summary = await restoreTenantBackup(db, await runtime.tenantCaches(), resolve(file), { asNew: o.asNew }, progressBar());
      process.stdout.write(
        o.json ? `${JSON.stringify(summary, null, 2)}\n` : `${summary.tenant.id} ${summary.tenant.subdomain} restored ${summary.rows} rows\n`,
      );
    });
}
