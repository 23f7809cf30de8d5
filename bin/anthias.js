#!/usr/bin/env node
// The CLI runs from the TypeScript sources, as `npm start` does.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/index.ts');
