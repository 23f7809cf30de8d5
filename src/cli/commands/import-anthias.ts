import type { Command } from 'commander';
import type { ImportReport } from '../../modules/anthias-import/anthias-import.service.js';
import { table } from '../output.js';
import type { CliRuntime } from '../runtime.js';

const NAME_WIDTH = 40;

export function importAnthiasCommand(program: Command, rt: () => CliRuntime): void {
  program
    .command('import-anthias')
    .description("copy an Anthias player's assets into a tenant; importing the same player again updates them")
    .argument('<file>', 'the JSON of GET /api/v2/assets, or the player\'s SQLite database (anthias.db)')
    .requiredOption('--tenant <subdomain>', 'the tenant that receives the assets')
    .option('--dry-run', 'report what would happen and write nothing')
    .option('--json', 'machine-readable report')
    .action(async (file: string, o: { tenant: string; dryRun?: boolean; json?: boolean }) => {
      // Loaded here, as `serve` loads the server: every other command starts without SQLite's WebAssembly build.
      const [{ readAnthiasSource }, { importAnthiasAssets }, { Presets, SingleBar }] = await Promise.all([
        import('../../modules/anthias-import/anthias-source.js'),
        import('../../modules/anthias-import/anthias-import.service.js'),
        import('cli-progress'),
      ]);
      const source = await readAnthiasSource(file);
      // Only on a terminal, and only on stderr: stdout stays the report alone.
      const bar = process.stderr.isTTY
        ? new SingleBar({ stream: process.stderr, format: 'importing {bar} {value}/{total} assets', clearOnComplete: true, hideCursor: true }, Presets.shades_classic)
        : null;
      let report: ImportReport;
      try {
        report = await importAnthiasAssets((await rt().admin()).db, o.tenant, source, {
          dryRun: Boolean(o.dryRun),
          onStart: (total) => bar?.start(total, 0),
          onProgress: (done) => bar?.update(done),
        });
      } finally {
        bar?.stop();
      }
      process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : render(report));
    });
}

function render(report: ImportReport): string {
  const short = (name: string | null) => (name && name.length > NAME_WIDTH ? `${name.slice(0, NAME_WIDTH - 1)}…` : (name ?? '-'));
  const rows = report.assets.map((a) => [
    a.status,
    a.playOrder === null ? '-' : String(a.playOrder),
    a.anthiasId ?? '-',
    short(a.name),
    a.reason ?? (a.changed ? `changed: ${a.changed.join(', ')}` : ''),
  ]);
  const { created, updated, unchanged, skipped } = report.counts;
  const summary = `${report.tenant.subdomain}: created ${created}, updated ${updated}, unchanged ${unchanged}, skipped ${skipped}`;
  return `${table(['STATUS', 'PLAY ORDER', 'ANTHIAS ID', 'NAME', 'DETAIL'], rows)}\n\n${summary}${report.dryRun ? ' (dry run: nothing was written)' : ''}\n`;
}
