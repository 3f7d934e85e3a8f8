/**
 * Watching a town for direct edits (DESIGN §1) and handing them to
 * app/accept.ts in batches. Two kinds of watching, each for what it is best at:
 *
 * - one native fs.watch per town folder (folder-watchers.ts): a folder's
 *   events name the entry that changed, so 100,000 message files cost
 *   nothing per file. Files with the names tt gives (message ids, task ids)
 *   are written by tt atomically and by people in one editor save; after a
 *   short quiet period they are read (EditQueue).
 * - chokidar, for files written by hand under names tt does not give
 *   (`note.md`): it waits until such a file stops changing
 *   (awaitWriteFinish, tuned to tens of milliseconds rather than chokidar's
 *   default two seconds), so a file typed or pasted in several writes is
 *   read once, finished. It also follows town.yml, so a config change
 *   (git.auto_commit) reaches a long-running watcher.
 *
 * Never watched: the legacy run/, git's folder (outside .tinytown/), scratch files
 * (dot-files such as tt's temp files, editors' swap and backup files).
 */
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { FSWatcher } from 'chokidar';
import { hasCanonicalName, isScratchName } from '../core/direct-edits.js';
import { acceptDirectEdits, pendingTownPaths, type AcceptEvent } from '../app/accept.js';
import { townFileAt } from '../app/accept-plan.js';
import { readTownConfig } from '../store/config.js';
import { TOWN_DIR_NAME, townPaths } from '../store/paths.js';
import type { Town } from '../store/town.js';
import { EditQueue } from './edit-queue.js';
import { FolderWatchers } from './folder-watchers.js';

export type WatchEvent =
  | AcceptEvent
  | { action: 'waiting'; reason: string }
  | { action: 'note'; note: string }
  | { action: 'error'; problem: string };

export interface WatchTiming {
  /** Quiet period of a file with a tt name before it is read. */
  quietMs: number;
  /** chokidar's awaitWriteFinish for hand-named files: size unchanged this long… */
  stabilityMs: number;
  /** …checked this often. */
  pollMs: number;
  /** A batch waits this long for more ready files (a burst)… */
  gatherMs: number;
  /** …but no longer than this. */
  maxGatherMs: number;
  maxBatch: number;
  /** Retry delay while git is busy (a merge) or after a failed batch; doubled on repeated failures. */
  retryMs: number;
}

export const DEFAULT_WATCH_TIMING: WatchTiming = {
  quietMs: 40, stabilityMs: 60, pollMs: 20, gatherMs: 25, maxGatherMs: 250, maxBatch: 500, retryMs: 1000,
};

const MAX_RETRY_MS = 30_000;

export interface TownWatcherOptions {
  /** Author of changes nobody in particular made (deletions, unassigned tasks). */
  actor: string;
  now?: () => Date;
  onEvent: (event: WatchEvent) => void;
  timing?: Partial<WatchTiming>;
}

export interface TownWatcher {
  /** Resolves when nothing seen so far is waiting or being processed (chokidar's own write-finish waits aside). */
  idle(): Promise<void>;
  /** Stops watching and waits for a batch in progress to finish. */
  close(): Promise<void>;
}

const INBOX_ROOT = townPaths.inboxRoot;
const WATCHED_TOP_FOLDERS = new Set(['inbox', 'tasks', 'agents']);

function subfolders(root: string, rel: string): string[] {
  try {
    return readdirSync(path.join(root, rel), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch {
    return [];
  }
}

function entries(root: string, rel: string): string[] {
  try {
    return readdirSync(path.join(root, rel));
  } catch {
    return [];
  }
}

/** Runs one batch through app/accept.ts and reports what happened; paths to look at again go back in the queue. */
function batchProcessor(town: Town, options: TownWatcherOptions, timing: WatchTiming, queue: () => EditQueue) {
  const now = options.now ?? (() => new Date());
  let failures = 0;
  let waitingSaid = false;
  return async (paths: string[]): Promise<void> => {
    try {
      const outcome = await acceptDirectEdits(town, paths, { actor: options.actor, now });
      failures = 0;
      for (const event of outcome.events) options.onEvent(event);
      for (const note of outcome.notes) options.onEvent({ action: 'note', note });
      if (outcome.blocked) {
        if (!waitingSaid) options.onEvent({ action: 'waiting', reason: outcome.blocked });
        waitingSaid = true;
        for (const rel of outcome.retry) queue().later(rel, timing.retryMs);
        return;
      }
      waitingSaid = false;
      // Changed again while being taken in: look again once it is quiet (a file written continuously does not spin us).
      for (const rel of outcome.retry) queue().touch(rel);
    } catch (error) {
      failures++;
      const delayMs = Math.min(MAX_RETRY_MS, timing.retryMs * 2 ** (failures - 1));
      const problem = error instanceof Error ? error.message : String(error);
      options.onEvent({ action: 'error', problem: `${problem} (retrying ${paths.length} file${paths.length === 1 ? '' : 's'} in ${Math.round(delayMs / 1000)} s)` });
      for (const rel of paths) queue().later(rel, delayMs);
    }
  };
}

export async function startTownWatcher(town: Town, options: TownWatcherOptions): Promise<TownWatcher> {
  const timing: WatchTiming = { ...DEFAULT_WATCH_TIMING, ...options.timing };
  const { root } = town;
  const queue: EditQueue = new EditQueue({
    quietMs: timing.quietMs, gatherMs: timing.gatherMs, maxGatherMs: timing.maxGatherMs, maxBatch: timing.maxBatch,
    process: batchProcessor(town, options, timing, () => queue),
  });

  // chokidar is loaded only here, so no other command pays for it.
  const chokidar = await import('chokidar');
  const fileWatcher: FSWatcher = chokidar.watch([], {
    persistent: true,
    ignoreInitial: false,
    followSymlinks: false,
    awaitWriteFinish: { stabilityThreshold: timing.stabilityMs, pollInterval: timing.pollMs },
  });
  const configFile = path.join(root, townPaths.config);
  const followed = new Set<string>();
  const relative = (absolute: string) => path.relative(root, absolute).split(path.sep).join('/');
  const onFileReady = (absolute: string) => {
    if (absolute === configFile) {
      try {
        town.config = readTownConfig(root);
      } catch (error) {
        options.onEvent({ action: 'error', problem: `${(error as Error).message} (keeping the previous settings)` });
      }
      return;
    }
    queue.add(relative(absolute));
  };
  fileWatcher.on('add', onFileReady);
  fileWatcher.on('change', onFileReady);
  fileWatcher.on('unlink', (absolute: string) => {
    followed.delete(relative(absolute));
    queue.add(relative(absolute));
  });
  fileWatcher.on('error', (error: unknown) => options.onEvent({ action: 'error', problem: `file watcher: ${error instanceof Error ? error.message : String(error)}` }));
  // Besides keeping the config fresh, this keeps a second folder in chokidar's table, which stops it
  // from watching (and re-reading) a whole inbox when the only file it follows there is renamed away.
  fileWatcher.add(configFile);

  /** A hand-named file: chokidar reports it once it has stopped changing. */
  const follow = (rel: string) => {
    if (followed.has(rel)) return;
    let stat;
    try {
      stat = lstatSync(path.join(root, rel));
    } catch {
      queue.add(rel);
      return;
    }
    if (stat.isSymbolicLink()) {
      queue.add(rel); // refused unread; chokidar would start watching the folder to resolve it
      return;
    }
    followed.add(rel);
    fileWatcher.add(path.join(root, rel));
  };

  /** `settled`: the file is known to be finished (found pending at start), so it skips the quiet period. */
  const onPath = (rel: string, settled = false) => {
    const file = townFileAt(rel);
    if (file.kind === 'other') return;
    const handNamed = (file.kind === 'message' || file.kind === 'task') && !hasCanonicalName(file);
    if (!handNamed) return settled ? queue.add(rel) : queue.touch(rel);
    if (followed.has(rel)) return; // chokidar reports its changes
    if (existsSync(path.join(root, rel))) follow(rel);
    else queue.add(rel);
  };

  let folders: FolderWatchers;
  /** Watches a folder; one that is new (created after we started) is scanned, as files may have landed before its watch was armed. */
  const arm = (relDir: string, scanIfNew: boolean) => {
    if (!folders.watch(relDir) || !scanIfNew) return;
    for (const name of entries(root, relDir)) onFolderEvent(relDir, name);
  };
  const armInbox = (relDir: string, scanIfNew: boolean) => {
    if (folders.isWatched(relDir) && !scanIfNew) return;
    arm(relDir, scanIfNew);
    if (folders.isWatched(relDir)) arm(`${relDir}/read`, scanIfNew);
  };
  let rescanning = false;
  const rescan = () => {
    if (rescanning) return;
    rescanning = true;
    pendingTownPaths(town).then((paths) => paths.forEach((rel) => onPath(rel)), (error: Error) => options.onEvent({ action: 'error', problem: `rescan: ${error.message}` }))
      .finally(() => { rescanning = false; });
  };
  const onFolderEvent = (relDir: string, name: string | null): void => {
    if (name === null) return rescan();
    if (isScratchName(name)) return;
    const rel = `${relDir}/${name}`;
    if (relDir === TOWN_DIR_NAME) {
      if (!WATCHED_TOP_FOLDERS.has(name)) return;
      arm(rel, true);
      if (rel === INBOX_ROOT) for (const agent of subfolders(root, rel)) armInbox(`${rel}/${agent}`, true);
      return;
    }
    if (relDir === INBOX_ROOT) return armInbox(rel, true);
    if (name === 'read' && path.posix.dirname(relDir) === INBOX_ROOT) return arm(rel, true);
    onPath(rel);
  };
  folders = new FolderWatchers(root, onFolderEvent, (relDir, error) => options.onEvent({ action: 'error', problem: `cannot watch ${relDir}: ${error.message}` }));

  // Arm every folder before asking git what is pending, so nothing lands unseen in between.
  folders.watch(TOWN_DIR_NAME);
  for (const name of WATCHED_TOP_FOLDERS) folders.watch(`${TOWN_DIR_NAME}/${name}`);
  for (const agent of subfolders(root, INBOX_ROOT)) armInbox(`${INBOX_ROOT}/${agent}`, false);
  try {
    for (const rel of await pendingTownPaths(town)) onPath(rel, true);
  } catch (error) {
    folders.closeAll();
    await fileWatcher.close();
    throw error;
  }

  return {
    idle: () => queue.idle(),
    async close() {
      folders.closeAll();
      await fileWatcher.close();
      await queue.close();
    },
  };
}

/** `tt watch --once`: takes in what is pending now (new, edited, deleted town files), then returns. */
export async function takeInPending(town: Town, options: Omit<TownWatcherOptions, 'timing'>): Promise<void> {
  const now = options.now ?? (() => new Date());
  let paths = await pendingTownPaths(town);
  // A file that changed while it was being taken in is looked at again, a few times at most.
  for (let round = 0; round < 3 && paths.length > 0; round++) {
    const retry: string[] = [];
    for (let start = 0; start < paths.length; start += DEFAULT_WATCH_TIMING.maxBatch) {
      const outcome = await acceptDirectEdits(town, paths.slice(start, start + DEFAULT_WATCH_TIMING.maxBatch), { actor: options.actor, now });
      for (const event of outcome.events) options.onEvent(event);
      for (const note of outcome.notes) options.onEvent({ action: 'note', note });
      if (outcome.blocked) {
        options.onEvent({ action: 'waiting', reason: outcome.blocked });
        return;
      }
      retry.push(...outcome.retry);
    }
    paths = retry;
  }
}
