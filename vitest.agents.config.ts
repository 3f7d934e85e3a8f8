import { defineConfig } from 'vitest/config';

/**
 * The real-CLI suite (issue 18): test/agents/**, run by `npm run test:agents`,
 * never by `npm test` (it needs the agent CLIs installed and takes minutes).
 */
export default defineConfig({
  test: {
    include: ['test/agents/**/*.test.ts'],
    setupFiles: ['test/helpers/isolate-git.ts'],
    // Real CLIs, real git and real processes on a shared machine: generous deadlines, no retries.
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
