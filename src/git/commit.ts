/**
 * One coordination change → one commit holding only the town paths it touched.
 * `commit --only` commits exactly those paths' working-tree content on top of
 * HEAD without taking anything else the user has staged. It only knows paths
 * git already tracks, so new files are first registered with
 * `add --intent-to-add`: an intent-to-add entry is never part of anyone
 * else's commit, so a user committing at the same moment cannot sweep a town
 * file into their commit (a plain `git add` would let them).
 *
 * These two calls are direct synchronous spawns (run-git.ts), not simple-git:
 * measured side by side, one new town file registered and committed in a
 * fresh process, median of 25 alternating runs each on this 2-core machine
 * under load: 91 ms direct against 269 ms through simple-git in-process
 * (446 against 596 ms for the whole process) — its import, its task queue,
 * and a 50 ms wait it adds after a git command that printed nothing (as
 * `add --intent-to-add` does). A `tt send` never loads simple-git.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { GitError } from '../errors.js';
import { authorIdent, CONFIGURED_IDENTITY_ONLY, FALLBACK_COMMITTER } from './identity.js';
import { runTask, type GitTask } from './task.js';

export type Trailer = readonly [key: string, value: string];

export interface CommitRequest {
  /** The work tree root (git's cwd); paths are relative to it. */
  root: string;
  paths: readonly string[];
  /** Paths this change created (they need registering before `commit --only`). */
  created?: readonly string[];
  subject: string;
  body?: string;
  trailers: readonly Trailer[];
  /** The acting agent; it becomes the commit author. */
  author: string;
}

const LOCK_RETRY_DEADLINE_MS = 30_000;

/** Set once this process has seen that no committer identity is configured. */
let useFallbackCommitter = false;

/** Subject, optional body, then the trailer block: git joins `-m` paragraphs with blank lines. */
export function messageParagraphs({ subject, body, trailers }: Pick<CommitRequest, 'subject' | 'body' | 'trailers'>): string[] {
  const parts = [clip(oneLine(subject))];
  // Body lines are indented: no text a user wrote can begin a line, so none can pass for a trailer (`git log --grep '^Reviewed-by:'`).
  if (body?.trim()) {
    const lines = body.trim().split(/\r?\n|\r/);
    const kept = lines.slice(0, MAX_BODY_LINES).map((line) => (line.trim() ? `    ${clip(line)}` : ''));
    if (lines.length > MAX_BODY_LINES) kept.push(`    … ${lines.length - MAX_BODY_LINES} more lines`);
    parts.push(kept.join('\n'));
  }
  if (trailers.length > 0) parts.push(trailers.map(([key, value]) => `${clip(oneLine(key))}: ${clip(oneLine(value))}`).join('\n'));
  return parts;
}

/**
 * Each paragraph is one argv string, and Linux refuses a single argument over
 * 128 KiB (E2BIG): a town file may hold 1 MiB of one line (a title, a
 * message), so what a commit message quotes of user text is clipped.
 */
const MAX_LINE_CHARS = 200;
const MAX_BODY_LINES = 100;

function clip(line: string): string {
  return line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS - 1)}…` : line;
}

/** One line of a commit message: every run of whitespace (line breaks, tabs, Unicode separators) one space. */
function oneLine(text: string): string {
  return text.replace(/[\s\u0085]+/g, ' ').trim();
}

/**
 * Failures caused by another git process working at the same moment: its lock
 * files, or .git/COMMIT_EDITMSG, which every `git commit` writes and reads back
 * (a concurrent commit can truncate it between the two, and git then reports
 * an empty message).
 */
function isTransientLockError(error: unknown): boolean {
  return error instanceof GitError && /index\.lock|cannot lock ref|Unable to create .*\.lock|could not lock|empty commit message/i.test(error.stderr);
}

function isMissingIdentity(error: unknown): boolean {
  return error instanceof GitError && /Please tell me who you are|auto-detection is disabled|empty ident|unable to auto-detect/i.test(error.stderr);
}

/** git's own lock files are retried with backoff, never deleted: their owner may be alive. */
async function withLockRetry<T>(step: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_RETRY_DEADLINE_MS;
  let delayMs = 5;
  for (;;) {
    try {
      return await step();
    } catch (error) {
      if (!isTransientLockError(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs + Math.random() * delayMs));
      delayMs = Math.min(delayMs * 2, 200);
    }
  }
}

/** Returns the new commit's (abbreviated) id, or null when the paths held no change. */
export async function commitPaths(request: CommitRequest): Promise<string | null> {
  const { root, author } = request;
  let paths = [...new Set(request.paths)];
  if (paths.length === 0) return null;
  const exists = (rel: string) => existsSync(path.join(root, rel));
  const register = async (rels: readonly string[]) => {
    const present = rels.filter(exists);
    if (present.length === 0) return;
    await withLockRetry(() => runTask(root, registerPathsTask(present)));
  };
  await register(request.created ?? []);
  // A concurrent git command that read the index before we registered a path can write
  // it back without our entry; registering again is harmless, so a few rounds settle it.
  let registrationsLeft = 5;
  for (;;) {
    try {
      return await withLockRetry(() => runCommit(root, author, request, paths));
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      if (/nothing to commit|no changes added to commit|nothing added to commit/i.test(error.stderr + error.message)) return null;
      const unknown = /pathspec '([^']+)' did not match/.exec(error.stderr)?.[1];
      if (!unknown || !paths.includes(unknown)) throw error;
      if (exists(unknown)) {
        if (registrationsLeft-- === 0) throw error;
        await register(paths);
        continue;
      }
      // Gone and never tracked (written while auto-commit was off, then moved): nothing to record.
      paths = paths.filter((p) => p !== unknown);
      if (paths.length === 0) return null;
    }
  }
}

/**
 * `git commit` ends by starting `git maintenance run --auto`, a process of its
 * own that nearly always finds nothing to do — a third of the commit's time.
 * tt commits often, so it leaves git's housekeeping (and the repository's own
 * maintenance settings) to one commit in AUTO_MAINTENANCE_EVERY, chosen at
 * random: loose objects still get packed in a town only tt commits to.
 */
const AUTO_MAINTENANCE_EVERY = 32;

export function maintenanceArgs(random = Math.random()): string[] {
  return random < 1 / AUTO_MAINTENANCE_EVERY ? [] : ['-c', 'maintenance.auto=false'];
}

/** Registers new paths so `commit --only` knows them, without staging their content (see the header). */
export const registerPathsTask = (paths: readonly string[]): GitTask<void> => ({
  args: ['add', '--intent-to-add', '--force', '--', ...paths],
  blocking: true,
  parse: () => undefined,
});

/** Commits exactly `paths`' work-tree content on top of HEAD; answers the new commit's (abbreviated) id. */
export const commitOnlyTask = (
  request: Pick<CommitRequest, 'subject' | 'body' | 'trailers' | 'author'>,
  paths: readonly string[],
  options: { fallbackCommitter: boolean; maintenance: readonly string[] },
): GitTask<string> => ({
  args: [
    ...options.maintenance,
    ...CONFIGURED_IDENTITY_ONLY,
    'commit', '--only', '--no-verify', '--no-status', '--cleanup=whitespace',
    '--author', authorIdent(request.author),
    // The message as argv paragraphs (no shell is involved): nothing depends on a stdin pipe.
    ...messageParagraphs(request).flatMap((paragraph) => ['-m', paragraph]),
    '--', ...paths,
  ],
  env: options.fallbackCommitter ? { ...FALLBACK_COMMITTER } : {},
  blocking: true,
  // "[main 1a2b3c4] subject" or "[main (root-commit) 1a2b3c4] subject"
  parse: (result) => /^\[[^\]]*?([0-9a-f]{7,64})\]/m.exec(result.stdout)?.[1] ?? 'unknown',
});

/** Concludes a merge that stopped on conflicts since resolved, with the message git prepared. */
export const concludeMergeTask = (env: Record<string, string>): GitTask<void> => ({
  // strip: MERGE_MSG lists the conflicts as comment lines, which would bury the trailers.
  args: [...CONFIGURED_IDENTITY_ONLY, 'commit', '--no-edit', '--cleanup=strip', '--no-verify', '--quiet'],
  env,
  parse: () => undefined,
});

async function runCommit(root: string, author: string, request: CommitRequest, paths: readonly string[]): Promise<string> {
  const maintenance = maintenanceArgs();
  const attempt = () => runTask(root, commitOnlyTask({ ...request, author }, paths, { fallbackCommitter: useFallbackCommitter, maintenance }));
  try {
    return await attempt();
  } catch (error) {
    if (useFallbackCommitter || !isMissingIdentity(error)) throw error;
    useFallbackCommitter = true;
    return attempt();
  }
}
