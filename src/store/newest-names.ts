/**
 * The newest file names of an inbox folder, and how many it holds, without
 * listing it while it is unchanged: `tt inbox --all` shows the newest 50 of
 * each inbox, and at 100,000 messages listing every folder costs more than
 * reading the messages shown. Kept under the state folder's cache/ by the
 * folder's fingerprint (the one cache rule, stat-cache.ts): creating,
 * removing or renaming an entry changes the folder's stat, so the names (not
 * the files' contents, which are read each time) are what they were.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import { TEMP_FILE_PATTERN } from './fs-safe.js';
import { statePaths } from './state-dir.js';
import { fingerprint, isFingerprint, isSettled, sameFingerprint, type Fingerprint } from './stat-cache.js';

/** How many of the newest names are kept: enough for the default page and a few more. */
const KEPT_NAMES = 200;

export interface NewestNames {
  /** The newest Markdown names, oldest first (at most the number asked for; all of them for 0). */
  names: string[];
  /** How many Markdown files the folder holds. */
  count: number;
}

interface Cached {
  folder: Fingerprint;
  count: number;
  newest: string[];
}

function isCached(value: unknown): value is Cached {
  const cached = value as Partial<Cached> | null;
  return isFingerprint(cached?.folder) && typeof cached?.count === 'number' && Array.isArray(cached.newest) && cached.newest.every((name) => typeof name === 'string');
}

/** `relDir` is an inbox folder, relative to root; ENOENT and ENOTDIR are the caller's to report. */
export function newestNames(root: string, relDir: string, limit: number): NewestNames {
  const listedFrom = Date.now();
  const folder = path.join(root, relDir);
  // cache/newest/inbox-<agent>.json: named as the other inbox caches are, so `tt doctor --fix` removes it with the inbox
  const file = path.join(statePaths.cacheDir(root), 'newest', `inbox-${path.posix.basename(relDir)}.json`);
  let stat: Stats | undefined;
  try {
    stat = lstatSync(folder);
  } catch {
    stat = undefined;
  }
  if (stat?.isDirectory() && limit > 0) {
    try {
      const cached: unknown = JSON.parse(readFileSync(file, 'utf8'));
      // only settled fingerprints are stored (below), so an unchanged one is reusable
      if (isCached(cached) && sameFingerprint(stat, cached.folder) && (limit <= cached.newest.length || cached.newest.length === cached.count)) {
        return { names: cached.newest.slice(-limit), count: cached.count };
      }
    } catch {
      // no cache yet
    }
  }
  const all = readdirSync(folder).filter((name) => name.endsWith('.md') && !TEMP_FILE_PATTERN.test(name)).sort();
  const stamp = stat ? fingerprint(stat) : undefined;
  if (stamp && isSettled(stamp, listedFrom)) {
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify({ folder: stamp, count: all.length, newest: all.slice(-KEPT_NAMES) } satisfies Cached));
      renameSync(temp, file);
    } catch {
      // a cache is an optimisation: a read never fails because it cannot be written
    }
  }
  return { names: limit === 0 ? all : all.slice(-limit), count: all.length };
}
