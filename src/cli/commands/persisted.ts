import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { badInput } from '../../errors.js';
import { MANIFEST_PATH, type ManifestEntry } from '../../persisted/manifest.js';

export function persistedCommands(program: Command): void {
  program
    .command('retire-persisted-query')
    .description('stop accepting a trusted document (its hash stays in the manifest, marked retired); deploy to apply')
    .argument('<hash>', 'sha256 of the document, as in clients/device/manifest.json')
    .option('--manifest <path>', 'the manifest file', MANIFEST_PATH)
    .action((hash: string, o: { manifest: string }) => {
      const manifest = JSON.parse(readFileSync(o.manifest, 'utf8')) as Record<string, ManifestEntry>;
      const entry = manifest[hash];
      if (!entry) throw badInput('hash', 'is not in the trusted-document manifest');
      entry.retiredAt ??= new Date().toISOString().slice(0, 10);
      writeFileSync(o.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
      process.stdout.write(`${hash} (${entry.operation ?? 'anonymous'}) retired on ${entry.retiredAt}\n`);
    });
}
