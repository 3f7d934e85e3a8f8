/**
 * Step 4 of the commit path without a process: what `git update-ref -m MSG
 * HEAD NEW OLD` does in a repository with git's "files" ref storage, done by
 * tt itself with git's own lock protocol (refs/files-backend.c):
 *
 * 1. take `HEAD.lock`, and for a HEAD on a branch the branch's `<ref>.lock`
 *    too, each created exclusively (a lock of anyone else's: 'locked', the
 *    caller backs off and retries, as with git's "Unable to create …lock");
 * 2. under the locks, check HEAD is still what it was and the ref is still
 *    OLD (loose, else packed-refs): otherwise 'stale', the caller rebuilds;
 * 3. write NEW into the ref's lock, append the reflog lines git appends (the
 *    branch's and HEAD's, under core.logAllRefUpdates), rename the lock
 *    over the ref, drop HEAD.lock.
 *
 * Why: a process costs this machine class 6–10 ms of fork and exec from
 * node (a `spawnSync('/bin/true')` alone is ~6 ms), a third of what a `tt
 * send` spends above node's start-up. Measured (2026-12-02, small
 * repository, `bin/tt send`, 30 interleaved runs): see commit-builder.ts.
 *
 * Wherever this would not do exactly what git does, the answer is
 * 'unsupported' and git moves HEAD: reftable storage, a reference-transaction
 * hook (git runs it; tt would not), an unborn branch, a HEAD that names
 * anything but a plain branch or a commit, a ref that is itself symbolic.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { fsyncReferences, gitBoolean, lastValue, type CommitSettings } from './commit-settings.js';
import { commonDir, refStorage } from './git-dir.js';

export type HeadMoveResult = 'moved' | 'stale' | 'locked' | 'unsupported';

export interface HeadMove {
  gitDir: string;
  next: string;
  /** HEAD's commit the change was built on. */
  old: string | undefined;
  /** The reflog message, one line. */
  message: string;
  /** The reflog's identity and date: `Name <email> <seconds> <zone>`, git's (non-strict) committer. */
  ident: string;
  /** core.logAllRefUpdates: reflogs are created for branches and HEAD (git's default in a work tree), or only appended where they exist. */
  createReflogs: boolean;
  /** core.fsync names references: the ref is flushed before it is renamed into place. */
  fsync: boolean;
  /** The folder git runs hooks from (core.hooksPath or the common git directory's hooks/). */
  hooksDir: string;
}

/** The settings of a HEAD move, from git's configuration (`git var -l`). */
export function headMoveSettings(settings: Pick<CommitSettings, 'config'>, top: string, gitDir: string, home = process.env.HOME): Pick<HeadMove, 'createReflogs' | 'fsync' | 'hooksDir'> {
  const logAll = lastValue(settings, 'core.logallrefupdates');
  // Unset: git's default in a repository with a work tree (tt's only kind) is true.
  const createReflogs = logAll === undefined || logAll === 'always' || gitBoolean(logAll) === true;
  const fsync = fsyncReferences(settings);
  const hooksPath = lastValue(settings, 'core.hookspath');
  let hooksDir = path.join(commonDir(gitDir), 'hooks');
  if (typeof hooksPath === 'string' && hooksPath !== '') {
    const expanded = hooksPath.startsWith('~/') && home ? path.join(home, hooksPath.slice(2)) : hooksPath;
    hooksDir = path.resolve(top, expanded);
  }
  return { createReflogs, fsync, hooksDir };
}

/** The reflog message as git stores it (refs.c copy_reflog_msg): runs of whitespace one space, none at the ends. */
export function reflogText(message: string): string {
  return message.replace(/[ \t\n\r]+/g, ' ').replace(/^ | $/g, '');
}

const OBJECT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** A branch name git itself would accept and tt can lay out as a path without surprises. */
function isPlainBranch(ref: string): boolean {
  if (!ref.startsWith('refs/heads/') || !/^[A-Za-z0-9._/-]+$/.test(ref) || ref.endsWith('.lock') || ref.endsWith('/')) return false;
  return ref.split('/').every((part) => part !== '' && !part.startsWith('.') && !part.endsWith('.lock')) && !ref.includes('..');
}

type Head = { kind: 'branch'; ref: string; raw: string } | { kind: 'detached'; id: string; raw: string };

function readHead(gitDir: string): Head | undefined {
  let raw: string;
  try {
    raw = readFileSync(path.join(gitDir, 'HEAD'), 'utf8');
  } catch {
    return undefined;
  }
  const ref = /^ref: (\S+)\n?$/.exec(raw)?.[1];
  if (ref !== undefined) return isPlainBranch(ref) ? { kind: 'branch', ref, raw } : undefined;
  const id = raw.trim();
  return OBJECT_ID.test(id) ? { kind: 'detached', id, raw } : undefined;
}

/** A ref's value: its loose file, else packed-refs; null when it exists nowhere; undefined when it cannot be read as a plain ref. */
function readBranch(common: string, ref: string): string | null | undefined {
  try {
    const loose = readFileSync(path.join(common, ref), 'utf8').trim();
    return OBJECT_ID.test(loose) ? loose : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
  }
  let packed: string;
  try {
    packed = readFileSync(path.join(common, 'packed-refs'), 'utf8');
  } catch {
    return null;
  }
  for (const line of packed.split('\n')) {
    if (line.endsWith(` ${ref}`)) {
      const id = line.slice(0, line.indexOf(' '));
      return OBJECT_ID.test(id) ? id : undefined;
    }
  }
  return null;
}

/** Creates a lock file exclusively; false when someone holds it. */
function takeLock(file: string): boolean {
  try {
    closeSync(openSync(file, 'wx'));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function dropLock(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function writeValue(lock: string, id: string, fsync: boolean): void {
  const fd = openSync(lock, 'w');
  try {
    writeSync(fd, `${id}\n`);
    if (fsync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Appends one reflog line where git would: an existing log, or a new one under core.logAllRefUpdates. */
function appendReflog(logFile: string, line: string, create: boolean): void {
  if (!create && !existsSync(logFile)) return;
  mkdirSync(path.dirname(logFile), { recursive: true });
  appendFileSync(logFile, line);
}

/** Moves HEAD (through its branch) from `old` to `next`, as `git update-ref` would; see the header for the answers. */
export function moveHead(move: HeadMove): HeadMoveResult {
  const { gitDir } = move;
  if (move.old === undefined || !OBJECT_ID.test(move.next) || !OBJECT_ID.test(move.old)) return 'unsupported';
  if (refStorage(gitDir) !== 'files' || existsSync(path.join(move.hooksDir, 'reference-transaction'))) return 'unsupported';
  const head = readHead(gitDir);
  if (!head) return 'unsupported';
  const common = commonDir(gitDir);
  const headLock = path.join(gitDir, 'HEAD.lock');
  if (!takeLock(headLock)) return 'locked';
  const held = [headLock];
  try {
    const refFile = head.kind === 'branch' ? path.join(common, head.ref) : path.join(gitDir, 'HEAD');
    const refLock = `${refFile}.lock`;
    if (head.kind === 'branch') {
      mkdirSync(path.dirname(refFile), { recursive: true });
      if (!takeLock(refLock)) return 'locked';
      held.push(refLock);
    }
    // Under the locks: HEAD must still name what it named, and the ref must still be `old`.
    const now = readHead(gitDir);
    if (now?.raw !== head.raw) return 'stale';
    const current = head.kind === 'branch' ? readBranch(common, head.ref) : head.id;
    if (current === undefined) return 'unsupported';
    if (current !== move.old) return 'stale';
    writeValue(refLock, move.next, move.fsync);
    const line = `${move.old} ${move.next} ${move.ident}\t${reflogText(move.message)}\n`;
    if (head.kind === 'branch') appendReflog(path.join(common, 'logs', head.ref), line, move.createReflogs);
    appendReflog(path.join(gitDir, 'logs', 'HEAD'), line, move.createReflogs);
    renameSync(refLock, refFile);
    held.splice(held.indexOf(refLock), 1);
    return 'moved';
  } finally {
    for (const lock of held) dropLock(lock);
  }
}
