import type { Command } from 'commander';
import { applyRls, rlsReport } from '../../tenancy/rls-report.js';
import { table } from '../output.js';
import type { CliRuntime } from '../runtime.js';

export function rlsCommand(program: Command, rt: () => CliRuntime): void {
  const rls = program.command('rls').description('row-level security: apply and check');
  rls
    .command('setup')
    .description('re-apply RLS, policies and grants on every tenant table (idempotent)')
    .option('--all-tables', 'every table with a tenant_id column, plus tenants and users (the only mode)')
    .action(async () => {
      const { db } = await rt().admin();
      await applyRls(db);
      const report = await rlsReport(db, null);
      process.stdout.write(`policies applied to ${report.tables.filter((t) => t.scope !== 'other').length} tables\n`);
    });
  rls
    .command('validate')
    .description('report RLS, policies and grants table by table; exit 1 on any gap')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const runtime = rt();
      const report = await rlsReport((await runtime.admin()).db, runtime.runtimeLogin());
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        const onOff = (v: boolean) => (v ? 'on' : 'OFF');
        process.stdout.write(
          `${table(
            ['TABLE', 'SCOPE', 'RLS', 'FORCED', 'POLICIES', 'GRANTS (anthias_app)', 'STATUS'],
            report.tables.map((t) => [
              t.table,
              t.scope,
              onOff(t.rlsEnabled),
              onOff(t.rlsForced),
              t.policies.join(',') || '-',
              t.grants.join(',') || '-',
              t.problems.length ? `GAP: ${t.problems.join('; ')}` : 'ok',
            ]),
          )}\n\n${table(
            ['ROLE', 'STATUS', 'DETAIL'],
            report.roles.map((r) => [r.role, r.ok ? 'ok' : 'GAP', r.detail]),
          )}\n\n${report.ok ? 'RLS validation passed' : 'RLS validation FAILED'}\n`,
        );
      }
      if (!report.ok) process.exitCode = 1;
    });
}
