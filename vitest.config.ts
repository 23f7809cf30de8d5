import { defineConfig } from 'vitest/config';

export default defineConfig({
  // type-graphql is CommonJS and loads graphql's CommonJS build; Vite would hand our own imports
  // the ESM build, and graphql refuses to mix the two. One copy: the one Node itself resolves.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts', 'test/support/compiled-cli.ts'],
    // type-graphql's decorators need it before any module that declares a GraphQL type loads.
    setupFiles: ['reflect-metadata'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
