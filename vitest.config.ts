import { defineConfig } from 'vitest/config';

export default defineConfig({
  // type-graphql is CommonJS and loads graphql's CommonJS build; Vite would hand our own imports
  // the ESM build, and graphql refuses to mix the two. One copy: the one Node itself resolves.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
