/** The library API: the same operations the CLI runs, for integrations and tests. */
export { main } from './cli/main.js';
export * from './errors.js';
export * from './core/types.js';
export { openTown, type Town } from './store/town.js';
export { initTown } from './ops/init.js';
export { spawnAgent, resolveAgent } from './ops/agents.js';
export { sendMessage, readInbox, readAllInboxes, markRead } from './ops/messages.js';
export * from './ops/tasks.js';
export { townStatus } from './ops/status.js';
export { readTownLog } from './git/log.js';
