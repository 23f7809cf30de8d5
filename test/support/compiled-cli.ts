import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The CLI's entry point, compiled for this run (see below). */
    compiledCli: string;
  }
}

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The CLI tests run the real commands in a child process each, a few hundred per run. Through tsx
 * every child compiled the sources again and started in about 2.2 s; compiled once per run, file
 * by file with the same compiler tsx uses (esbuild, the project's tsconfig), a child starts in
 * about 1.3 s. The output mirrors src/ one level under the repository, as dist/ does, so paths
 * the code finds relative to itself (migrations, package.json, the manifest) resolve the same.
 */
export default async function setup(project: TestProject) {
  const outdir = join(root, `.test-build-${process.pid}`);
  await build({
    entryPoints: ['src/**/*.ts'],
    outdir,
    outbase: 'src',
    absWorkingDir: root,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    tsconfig: 'tsconfig.build.json',
    logLevel: 'warning',
  });
  project.provide('compiledCli', join(outdir, 'cli', 'index.js'));
  return () => rmSync(outdir, { recursive: true, force: true });
}
