import { defineConfig } from 'vitest/config';

// The real-CLI suite (issue 18): real agent CLIs against local model mocks; slow, so not part of `npm test`.
export default defineConfig({
  test: {
    include: ['test/agents/**/*.test.ts'],
    setupFiles: ['test/helpers/isolate-git.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
