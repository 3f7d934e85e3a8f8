/**
 * git's index.lock, held by tt while it moves HEAD and sets its index entries.
 *
 * A `git commit`, `stash`, `reset` or `checkout` takes index.lock before it
 * reads HEAD and holds it until it has moved HEAD. Holding the same lock
 * across "read HEAD, build, update-ref, update the index" therefore orders a
 * tt write with every such command: none can read the index without tt's
 * entries and then commit on top of tt's commit (which would revert it), and
 * a person committing in a tight loop cannot starve tt's compare-and-swap.
 * It is git's own protocol (create `index.lock` exclusively; the holder
 * writes the new index and renames it into place), held for milliseconds, as
 * long as a `git commit --only` of one file held it before.
 *
 * A holder killed with SIGKILL would leave index.lock behind, and git never
 * removes one: so tt notes the lock it holds (pid, inode) in an owner file,
 * and the next tt write removes a lock whose noted owner is dead and whose
 * inode is still the noted one — never anyone else's lock.
 */
import { closeSync, copyFileSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GitError } from '../errors.js';

const LOCK_WAIT_MS = 30_000;

export interface HeldIndexLock {
  /** The index file to hand to git (GIT_INDEX_FILE) for the new entries: the index as it is, renamed into place by commit(). */
  scratch: string;
  /** Puts the scratch index in place of the index (git's "commit the lock"), then releases. */
  commit(): void;
  /** Releases without changing the index. */
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes index.lock only when tt's owner file names it (same inode) and its owner is dead. */
function breakStaleOwnLock(lockFile: string, ownerFile: string): boolean {
  try {
    const owner = JSON.parse(readFileSync(ownerFile, 'utf8')) as { pid: number; ino: number; ctimeMs?: number; lock: string };
    if (owner.lock !== lockFile || alive(owner.pid)) return false;
    // The inode alone is not enough: a freed inode is soon given to the next file, another git's lock among them.
    const lock = statSync(lockFile);
    if (lock.ino !== owner.ino || lock.ctimeMs !== owner.ctimeMs) return false;
    unlinkSync(lockFile);
    unlinkSync(ownerFile);
    try {
      unlinkSync(`${lockFile.replace(/\.lock$/, '')}.tinytown-${owner.pid}`);
    } catch {
      // the scratch index was renamed into place, or never made
    }
    return true;
  } catch {
    return false;
  }
}

export function indexFile(gitDir: string): string {
  return path.join(gitDir, 'index');
}

export async function acquireIndexLock(gitDir: string, ownerFile: string): Promise<HeldIndexLock> {
  const index = indexFile(gitDir);
  const lockFile = `${index}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  let delayMs = 2;
  for (;;) {
    try {
      closeSync(openSync(lockFile, 'wx'));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (breakStaleOwnLock(lockFile, ownerFile)) continue;
      if (Date.now() > deadline) {
        throw new GitError(`${lockFile} is held by another git process (for over ${LOCK_WAIT_MS / 1000} s); when no git command is running, remove it`, ['index.lock'], 'index.lock');
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs + Math.random() * delayMs));
      delayMs = Math.min(delayMs * 2, 100);
    }
  }
  const lockStat = statSync(lockFile);
  writeFileSync(ownerFile, JSON.stringify({ pid: process.pid, ino: lockStat.ino, ctimeMs: lockStat.ctimeMs, lock: lockFile }));
  const scratch = `${index}.tinytown-${process.pid}`;
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    try {
      unlinkSync(scratch);
    } catch {
      // never made, or already renamed into place
    }
    // Never throws: a release runs in `finally`, where it must not hide the error that got it there.
    // The owner file goes whatever happens to the lock, so no note of a dead owner outlives it.
    try {
      unlinkSync(lockFile);
    } catch {
      // gone: nothing of ours to remove
    }
    try {
      unlinkSync(ownerFile);
    } catch {
      // gone
    }
  };
  try {
    startScratch(index, scratch);
  } catch (error) {
    // No index yet (a fresh repository): git makes one from nothing.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      release();
      throw error;
    }
  }
  return {
    scratch,
    commit: () => {
      renameSync(scratch, index);
      release();
    },
    release,
  };
}

/**
 * The scratch index starts as the index itself: a hard link, not a copy.
 * git never writes an index file in place — it writes `<file>.lock` and
 * renames it over the file — so the update-index run on the scratch leaves
 * the index's own inode untouched, and a 10 MB index (100,000 files) is not
 * copied on every write (~25 ms here). Where links are not supported, a copy.
 */
function startScratch(index: string, scratch: string): void {
  try {
    linkSync(index, scratch);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw error;
    // EEXIST: left by a dead process that had this pid. Anything else: no hard links here.
    if (code === 'EEXIST') unlinkSync(scratch);
    if (code !== 'EEXIST' || !tryLink(index, scratch)) copyFileSync(index, scratch);
  }
}

function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch {
    return false;
  }
}
