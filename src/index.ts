/** The library API: the same operations the CLI runs, for integrations and tests. */
import { main as cliMain, type MainOptions } from './cli/main.js';
import { faces } from './faces.js';

/** `tt` in-process: main(argv) with every face available (`tt mcp`, `tt ui` included). */
export function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  return cliMain(argv, { faces, ...options });
}

export * from './errors.js';
export * from './core/types.js';
export { openTown, type Town } from './store/town.js';
export { initTown } from './app/init.js';
export { spawnAgent, resolveAgent } from './app/agents.js';
export { sendMessage, readInbox, readAllInboxes, markRead } from './app/messages.js';
export * from './app/tasks.js';
export { townStatus } from './app/status.js';
export { readTownLog } from './git/log.js';
export { createMessage } from './app/messages.js';
export { newAgent } from './app/agents.js';
export { newTaskId, newMessageId } from './core/ids.js';
export { importRecords, recordFiles, type RecordBatch, type ImportOptions, type ImportResult, type RecordFile } from './app/import-records.js';
