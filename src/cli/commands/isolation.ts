import type { Command } from 'commander';
import { type IsolationReport, PROBES, testTenantIsolation } from '../../operations/isolation/isolation.service.js';
import { table } from '../output.js';
import { progressBar } from '../progress.js';
import type { CliRuntime } from '../runtime.js';

export function isolationCommand(program: Command, rt: () => CliRuntime): void {
  program
    .command('test-tenant-isolation')
    .description('prove on this database that two tenants cannot read or change each other’s rows (everything is rolled back); exit 1 on any failure')
    .requiredOption('--tenant1 <subdomain>')
    .requiredOption('--tenant2 <subdomain>')
    .option('--json', 'machine-readable output')
    .action(async (o: { tenant1: string; tenant2: string; json?: boolean }) => {
      const runtime = rt();
      const report = await testTenantIsolation((await runtime.admin()).db, [o.tenant1, o.tenant2], runtime.runtimeLogin(), progressBar());
      process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : render(report));
      if (!report.ok) process.exitCode = 1;
    });
}

/** One line per table, one column per probe (both directions together), then each failure. */
function render(report: IsolationReport): string {
  const tables = [...new Set([...report.probes.map((p) => p.table), ...report.rls.tables.filter((t) => t.scope !== 'other').map((t) => t.table)])];
  const cell = (tableName: string, probe: string) => {
    const outcomes = report.probes.filter((p) => p.table === tableName && p.probe === probe).map((p) => p.outcome);
    if (outcomes.includes('FAIL')) return 'FAIL';
    return outcomes.every((o) => o === 'n/a') ? 'n/a' : 'ok';
  };
  const rlsCell = (tableName: string) => (report.rls.tables.find((t) => t.table === tableName)?.problems.length ? 'FAIL' : 'ok');
  const failures = [
    ...report.probes.filter((p) => p.outcome === 'FAIL').map((p) => `FAIL ${p.table}: ${p.probe} as ${p.as}: ${p.detail}`),
    ...report.rls.tables.filter((t) => t.problems.length).map((t) => `FAIL ${t.table}: rls: ${t.problems.join('; ')}`),
    ...report.rls.roles.filter((r) => !r.ok).map((r) => `FAIL role ${r.role}: ${r.detail}`),
  ];
  const grid = table(
    ['TABLE', ...PROBES.map((p) => p.toUpperCase()), 'RLS'],
    tables.map((t) => [t, ...PROBES.map((p) => cell(t, p)), rlsCell(t)]),
  );
  const names = report.tenants.map((t) => t.subdomain).join(' and ');
  return `${grid}\n\n${failures.length ? `${failures.join('\n')}\n\n` : ''}isolation between ${names} ${report.ok ? 'passed' : 'FAILED'}\n`;
}
