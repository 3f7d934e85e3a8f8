import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real-CLI suite needs the agent CLIs installed: `npm run test:agents` (vitest.agents.config.ts).
    exclude: ['test/agents/**', '**/node_modules/**'],
    setupFiles: ['test/helpers/isolate-git.ts'],
    // Real git and real processes on a shared 2-core machine: generous deadlines, no retries.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
