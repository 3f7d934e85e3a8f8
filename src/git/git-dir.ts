/**
 * HEAD, a commit's parent and the HEAD reflog, for the write path: the one
 * module that looks inside a git directory. tt asks these before and after
 * every commit, so in a repository with git's classic "files" ref storage they
 * are read from the files themselves, without a git process (loose refs,
 * packed-refs, logs/HEAD, loose zlib'd objects).
 *
 * A repository using the reftable ref format (`extensions.refstorage =
 * reftable`, git ≥ 2.45) keeps refs and reflogs in binary tables instead, and
 * its HEAD file is a stub (`ref: refs/heads/.invalid`): read by hand, every
 * answer would be "unknown", and the protection that depends on them (restoring
 * town files a concurrent commit reverted: app/transaction.ts) would silently
 * stop. There, every question goes to git. (Objects are the same in both
 * formats, but a reftable repository is asked about them too: one rule.)
 * MERGE_HEAD and the other in-progress markers stay files in both formats
 * (repo-state.ts).
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import { readLooseObject } from './loose-objects.js';
import { runGitSync } from './run-git.js';

/** A worktree's git directory names the shared one in `commondir`; refs, objects and config live there. */
export function commonDir(gitDir: string): string {
  try {
    return path.resolve(gitDir, readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim());
  } catch {
    return gitDir;
  }
}

/** Where a write's new objects go: the common git directory's `objects` (a linked worktree shares it). */
export function objectsDirectory(gitDir: string): string {
  return path.join(commonDir(gitDir), 'objects');
}

export type RefStorage = 'files' | 'reftable';

/** The ref format, from the repository config (read each time: `git refs migrate` can change it). */
export function refStorage(gitDir: string): RefStorage {
  const common = commonDir(gitDir);
  let config = '';
  try {
    config = readFileSync(path.join(common, 'config'), 'utf8');
  } catch {
    // no config: git's default
  }
  const extensions = /^\s*\[extensions\]([^[]*)/im.exec(config)?.[1] ?? '';
  if (/^\s*refstorage\s*=\s*"?reftable"?\s*$/im.test(extensions)) return 'reftable';
  return existsSync(path.join(common, 'reftable', 'tables.list')) ? 'reftable' : 'files';
}

/** One short git question about this git directory; undefined when git cannot answer. */
function askGit(gitDir: string, args: readonly string[]): string | undefined {
  try {
    const result = runGitSync({ cwd: gitDir, args: [`--git-dir=${gitDir}`, ...args], okExitCodes: [1, 128] });
    return result.exitCode === 0 ? result.stdout.trim() : undefined;
  } catch {
    return undefined;
  }
}

/** argv (after `--git-dir`) of the questions asked of git in a reftable repository: test/unit/git-commands.test.ts. */
export const headCommitArgs = ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'] as const;
export const parentsArgs = (commit: string): string[] => ['rev-list', '--parents', '-n', '1', commit, '--'];

/** HEAD's commit id; undefined on an unborn branch or when it cannot be read. */
export function readHeadCommit(gitDir: string): string | undefined {
  if (refStorage(gitDir) === 'reftable') return askGit(gitDir, headCommitArgs) || undefined;
  try {
    const head = readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
    const ref = /^ref: (.+)$/.exec(head)?.[1];
    if (!ref) return head;
    for (const dir of [gitDir, commonDir(gitDir)]) {
      try {
        return readFileSync(path.join(dir, ref), 'utf8').trim();
      } catch {
        // not a loose ref here
      }
    }
    const packed = readFileSync(path.join(commonDir(gitDir), 'packed-refs'), 'utf8');
    return new RegExp(`^([0-9a-f]{40,64}) ${ref.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm').exec(packed)?.[1];
  } catch {
    return undefined;
  }
}

/** The first parent as git reports it: null for a root commit, undefined when git does not know the commit. */
function askParent(gitDir: string, commit: string): string | null | undefined {
  const line = askGit(gitDir, parentsArgs(commit));
  if (!line) return undefined;
  return line.split(' ')[1] ?? null;
}

/**
 * A commit's first parent. In a files repository it is read from the loose
 * object (tt just wrote it, so no git process is needed); undefined when the
 * object is not loose (packed) or cannot be read: the caller must not assume anything.
 */
export function readCommitParent(gitDir: string, commit: string): string | null | undefined {
  if (!/^[0-9a-f]{40,64}$/.test(commit)) return undefined;
  if (refStorage(gitDir) === 'reftable') return askParent(gitDir, commit);
  const object = readLooseObject(objectsDirectory(gitDir), commit, objectFormat(gitDir));
  if (object?.type !== 'commit') return undefined;
  const raw = object.body.toString('utf8');
  const header = raw.slice(0, raw.indexOf('\n\n'));
  return /\nparent ([0-9a-f]+)/.exec(header)?.[1] ?? null;
}

/** How much of the end of the HEAD reflog is searched for a commit tt just made. */
const REFLOG_TAIL_BYTES = 16 * 1024;

/**
 * The parent of a commit tt itself just made with `git commit`: the "old"
 * side of that commit's line in the HEAD reflog (git commit moves HEAD from
 * the parent to the new commit), read from the log's last few kilobytes —
 * cheaper than loading zlib to inflate the commit object. Only a line git
 * commit wrote ("commit: …" or "commit (initial): …", never an amend) is
 * trusted; anything else falls back to the object itself. In a reftable
 * repository the reflog is inside the tables: git is asked for the parent.
 */
export function readOwnCommitParent(gitDir: string, commit: string): string | null | undefined {
  if (refStorage(gitDir) === 'reftable') return readCommitParent(gitDir, commit);
  return reflogParent(gitDir, commit) ?? readCommitParent(gitDir, commit);
}

export interface ReflogEntry {
  old: string;
  new: string;
  subject: string;
}

/**
 * The last entries of HEAD's reflog (its last few kilobytes), oldest first.
 * Empty in a reftable repository (the log is inside the tables) or where
 * there is none: the callers' protection then rests on their other checks.
 */
export function readHeadReflog(gitDir: string): ReflogEntry[] {
  if (refStorage(gitDir) === 'reftable') return [];
  let fd: number;
  try {
    fd = openSync(path.join(gitDir, 'logs', 'HEAD'), 'r');
  } catch {
    return [];
  }
  try {
    const { size } = fstatSync(fd);
    const length = Math.min(size, REFLOG_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    const read = readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8', 0, read).split('\n');
    if (length < size) lines.shift(); // cut mid-line
    const entries: ReflogEntry[] = [];
    for (const line of lines) {
      const match = /^([0-9a-f]{40,64}) ([0-9a-f]{40,64}) [^\t]*\t(.*)$/.exec(line);
      if (match) entries.push({ old: match[1]!, new: match[2]!, subject: match[3]! });
    }
    return entries;
  } catch {
    return [];
  } finally {
    closeSync(fd);
  }
}

function reflogParent(gitDir: string, commit: string): string | null | undefined {
  for (const entry of readHeadReflog(gitDir)) {
    if (entry.new === commit && /^commit(?: \(initial\))?: /.test(entry.subject)) return /^0+$/.test(entry.old) ? null : entry.old;
  }
  return undefined;
}

/** `sha1` or `sha256`, from the repository config (no process: asked before every write). */
export function objectFormat(gitDir: string): 'sha1' | 'sha256' {
  let config = '';
  try {
    config = readFileSync(path.join(commonDir(gitDir), 'config'), 'utf8');
  } catch {
    // no config: git's default
  }
  const extensions = /^\s*\[extensions\]([^[]*)/im.exec(config)?.[1] ?? '';
  return /^\s*objectformat\s*=\s*"?sha256"?\s*$/im.test(extensions) ? 'sha256' : 'sha1';
}

/** HEAD and up to `count` first parents, newest first, as far as they can be read (loose objects; git in a reftable repository). */
export function recentCommits(gitDir: string, count: number): string[] {
  const commits: string[] = [];
  let current = readHeadCommit(gitDir);
  while (current && commits.length < count) {
    commits.push(current);
    current = readCommitParent(gitDir, current) ?? undefined;
  }
  return commits;
}
