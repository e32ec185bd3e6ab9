import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Node loads graphql's CommonJS entry for Apollo and graphql-tools; make our code load the same
    // one (Vite would pick index.mjs), or graphql sees two realms.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // Each file in its own process: chDB allows one engine (one data path) per process.
    pool: 'forks',
    // tempDirs first: its teardown runs last, after every worker has stopped.
    globalSetup: ['test/support/tempDirs.ts', 'test/support/redisServer.ts'],
    // Removes each test file's temporary directories once its own hooks have run.
    setupFiles: ['test/support/cleanup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
