import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real-CLI suite runs on its own: vitest.agents.config.ts.
    exclude: [...configDefaults.exclude, 'test/agents/**'],
    setupFiles: ['test/helpers/isolate-git.ts'],
    // Real git and real processes on a shared 2-core machine: generous deadlines, no retries.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
