/**
 * The life of one `tt watch` process: claim the town (one watcher per town),
 * watch until SIGINT/SIGTERM (or, with --once, take in what is pending), then
 * close every watch and give the claim back.
 */
import { warmCommitPath } from '../app/transaction.js';
import type { Town } from '../store/town.js';
import { claimWatch } from './pid-file.js';
import { startTownWatcher, takeInPending, type WatchEvent } from './town-watcher.js';

export interface RunWatchOptions {
  actor: string;
  now: () => Date;
  once: boolean;
  onEvent: (event: WatchEvent) => void;
  /** Called once the watches are armed (not for --once). */
  onReady: () => void;
}

export function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Returns the signal that stopped the watcher, or undefined for --once. */
export async function runWatch(town: Town, options: RunWatchOptions): Promise<NodeJS.Signals | undefined> {
  const claim = await claimWatch(town);
  try {
    if (options.once) {
      await takeInPending(town, options);
      return undefined;
    }
    // Listen before arming: a signal that arrives while the watches start still stops us cleanly.
    const stopped = waitForStopSignal();
    const watcher = await startTownWatcher(town, options);
    try {
      options.onReady();
      await warmCommitPath(town);
      return await stopped;
    } finally {
      await watcher.close();
    }
  } finally {
    claim.release();
  }
}
