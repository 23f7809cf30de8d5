import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import type * as SchemaModule from '../src/graphql/schema.js';

// Writes schema/schema.graphql; with --check, fails when the checked-in file is stale. With
// --dist (a check only) the schema comes from the compiled build, which must declare exactly the
// same API.
const dist = process.argv.includes('--dist');
const source = dist ? '../dist/graphql/schema.js' : '../src/graphql/schema.js';
const { buildBaseSchema } = (await import(source)) as typeof SchemaModule;
const target = fileURLToPath(new URL('../schema/schema.graphql', import.meta.url));
const sdl = `${printSchema(await buildBaseSchema())}\n`;

if (dist || process.argv.includes('--check')) {
  const current = (() => {
    try {
      return readFileSync(target, 'utf8');
    } catch {
      return '';
    }
  })();
  if (current !== sdl) {
    process.stderr.write(
      dist
        ? 'the schema built from dist/ differs from schema/schema.graphql: run `npm run build` and `npm run schema:check`\n'
        : 'schema/schema.graphql is stale: run `npm run schema:emit` and commit it\n',
    );
    process.exit(1);
  }
  process.stdout.write(`schema/schema.graphql is up to date${dist ? ' (from dist/)' : ''}\n`);
} else {
  writeFileSync(target, sdl);
  process.stdout.write(`wrote ${target}\n`);
}
