import { defineConfig } from 'vitest/config';
import { agentCliCacheRoot } from './test/agents/install-clis.js';

// Decided here, with the user's real HOME: the tests' setup file moves HOME to a temporary folder.
process.env.TINYTOWN_AGENT_CLI_CACHE = agentCliCacheRoot();

/** `npm run test:agents`: the real agent CLIs end to end (test/agents), apart from `npm test`. */
export default defineConfig({
  test: {
    include: ['test/agents/**/*.test.ts'],
    setupFiles: ['test/helpers/isolate-git.ts'],
    // Each town plays a whole story with real CLIs on a shared 2-core machine: minutes, no retries.
    testTimeout: 10 * 60_000,
    hookTimeout: 10 * 60_000,
    pool: 'forks',
    // One town at a time: each runs three agent loops and their CLIs.
    fileParallelism: false,
  },
});
