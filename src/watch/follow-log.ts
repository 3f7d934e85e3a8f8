/**
 * `tt events --follow`: new town events as commits appear. Native watches on
 * git's folder (HEAD, the index, packed-refs) and its reflog folder
 * (logs/HEAD grows with every commit) wake it; it then reads the commits
 * between the last HEAD it printed and the new one. No polling.
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { readTownLog, type TownEvent } from '../git/log.js';
import { commonDir, readHeadCommit } from '../git/git-dir.js';
import type { Town } from '../store/town.js';

/** Lets a burst of commits (a batch of direct edits) arrive before looking. */
const SETTLE_MS = 30;

/** HEAD's commit, read from git's files (no process); undefined before the first commit. */
export function currentHead(town: Town): string | undefined {
  return town.gitDir ? readHeadCommit(town.gitDir) : undefined;
}

export interface FollowOptions {
  /** The HEAD already shown; events after it are printed. */
  since: string | undefined;
  onEvents: (events: TownEvent[]) => void;
  onError: (error: Error) => void;
  /** Following stops when this aborts. */
  signal: AbortSignal;
}

export async function followTownLog(town: Town, options: FollowOptions): Promise<void> {
  const { gitDir } = town;
  if (!gitDir) throw new UsageError('events --follow needs the town to be in a git repository');
  let last = options.since;
  let timer: NodeJS.Timeout | undefined;
  let checking: Promise<void> | undefined;
  let again = false;

  const check = async () => {
    const head = currentHead(town);
    if (!head || head === last) return;
    const events = await readTownLog({ root: town.root, range: last ? `${last}..${head}` : head, reverse: true });
    last = head;
    if (events.length > 0) options.onEvents(events);
  };
  const run = () => {
    timer = undefined;
    if (checking) {
      again = true;
      return;
    }
    checking = check().catch((error: Error) => options.onError(error)).finally(() => {
      checking = undefined;
      if (again && !options.signal.aborted) {
        again = false;
        run();
      }
    });
  };
  const schedule = () => {
    if (!timer && !options.signal.aborted) timer = setTimeout(run, SETTLE_MS);
  };

  // reftable/: where a repository with the reftable ref format records HEAD's moves (git/git-dir.ts).
  const folders = [...new Set([gitDir, path.join(gitDir, 'logs'), commonDir(gitDir), path.join(commonDir(gitDir), 'reftable')])].filter((dir) => existsSync(dir));
  const watchers: FSWatcher[] = folders.map((dir) => watch(dir, { persistent: true }, schedule));
  for (const watcher of watchers) watcher.on('error', (error) => options.onError(error));
  // A commit may have landed between reading the past events and arming the watches.
  schedule();
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  for (const watcher of watchers) watcher.close();
  if (timer) clearTimeout(timer);
  await checking;
}
