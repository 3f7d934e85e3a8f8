/**
 * Where tt keeps what is local to this machine — pids, heartbeats, logs,
 * locks, the commit journal, caches, prompts, merge notices: the git
 * directory's `tinytown/` folder, `$(git rev-parse --git-common-dir)/tinytown`
 * (DESIGN §1). No commit can place a file there: it is never cloned, pulled
 * or committed, so nothing a collaborator pushes can become a journal entry,
 * a lock or a pid that tt acts on. Shared by every worktree of the
 * repository, as the town is.
 *
 * Earlier versions kept this in `.tinytown/run/`; app/local-state.ts moves
 * such a folder's contents here once (only when git does not track it).
 */
import { lstatSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ValidationError } from '../errors.js';
import { ensureDir } from './fs-safe.js';
import { findGitDir, TOWN_DIR_NAME } from './paths.js';

/** The folder earlier versions used, relative to the town root. */
export const LEGACY_RUN_DIR = `${TOWN_DIR_NAME}/run`;

const STATE_FOLDER = 'tinytown';

const known = new Map<string, string>();

/** The repository's common git directory: a linked worktree's git dir names it in `commondir`. */
function commonGitDir(gitDir: string): string {
  try {
    return path.resolve(gitDir, readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim());
  } catch {
    return gitDir;
  }
}

/**
 * The local state folder of the town at `root` (absolute), created on first
 * use; a symlink there is refused, never followed. A town outside any git
 * repository (only possible by hand) keeps it in the legacy place.
 */
export function localStateDir(root: string): string {
  const cached = known.get(root);
  if (cached !== undefined) return cached;
  const gitDir = findGitDir(root);
  let dir: string;
  if (gitDir) {
    const common = commonGitDir(gitDir);
    ensureDir(common, STATE_FOLDER);
    dir = path.join(common, STATE_FOLDER);
  } else {
    ensureDir(root, LEGACY_RUN_DIR);
    dir = path.join(root, LEGACY_RUN_DIR);
  }
  known.set(root, dir);
  return dir;
}

/** The absolute paths of the state folder's files and folders. */
export const statePaths = {
  /** The town lock every write (and tt sync's merge) takes. */
  lock: (root: string) => path.join(localStateDir(root), 'lock'),
  /**
   * The commit lock: its holder moves HEAD and sets the person's index
   * entries (app/transaction.ts). Taken after the town lock, never before it,
   * so writers journal their changes while another one commits.
   */
  commitLock: (root: string) => path.join(localStateDir(root), 'commit.lock'),
  /** Journal entries of changes whose commit is not made yet. */
  pendingDir: (root: string) => path.join(localStateDir(root), 'pending'),
  lastCommit: (root: string) => path.join(localStateDir(root), 'last-commit'),
  /** The paths tt's latest commits changed, newest last (app/transaction.ts: what a racing commit can have reverted). */
  recentPaths: (root: string) => path.join(localStateDir(root), 'recent-paths'),
  mergeNoticesDir: (root: string) => path.join(localStateDir(root), 'merge-notices'),
  watchReported: (root: string) => path.join(localStateDir(root), 'watch-reported.json'),
  watchPid: (root: string) => path.join(localStateDir(root), 'watch.pid'),
  syncLock: (root: string) => path.join(localStateDir(root), 'sync.lock'),
  cacheDir: (root: string) => path.join(localStateDir(root), 'cache'),
  conductorContext: (root: string) => path.join(localStateDir(root), 'conductor-context.md'),
};

/** Creates a folder inside the state folder (`rel` with "/" separators), refusing symlinks on the way. */
export function ensureStateDir(root: string, rel: string): string {
  const base = localStateDir(root);
  ensureDir(base, rel);
  return path.join(base, rel);
}

/** Refuses a state file that is a symlink: tt opens nothing there through one. */
export function refuseStateSymlink(file: string): void {
  try {
    if (lstatSync(file).isSymbolicLink()) throw new ValidationError(`${file} is a symlink; tt follows none in its state folder (tt doctor --fix removes it)`, file);
  } catch (error) {
    if (error instanceof ValidationError) throw error;
  }
}

/**
 * Writes a state file whole: a new temp file (exclusive create, so nothing
 * already there — a symlink included — is opened), then a rename, which
 * replaces whatever was at the name without following it.
 */
export function writeStateFile(file: string, content: string): void {
  const temp = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  writeFileSync(temp, content, { flag: 'wx' });
  try {
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
