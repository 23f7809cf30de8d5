#!/usr/bin/env node
// NODE_ENV=production runs the compiled JavaScript in dist/ (`npm run build`); anything else runs
// the TypeScript sources through tsx, so a fresh clone starts with no build step.
import { existsSync } from 'node:fs';

const fail = (message) => {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
};

if (process.env.NODE_ENV === 'production') {
  const compiled = new URL('../dist/cli/index.js', import.meta.url);
  if (!existsSync(compiled)) fail('dist/ is missing: run `npm run build` (NODE_ENV=production runs the compiled gateway)');
  process.setSourceMapsEnabled(true);
  await import(compiled.href);
} else {
  const tsx = await import('tsx/esm/api').catch(() =>
    fail('tsx is missing (a production install?): run `npm install`, or `npm run build` and set NODE_ENV=production'),
  );
  tsx.register();
  await import('../src/cli/index.ts');
}
