/**
 * One coordination change → one commit holding only the town paths it touched.
 * Two git processes: `update-index` records exactly those paths, then
 * `commit --only` commits them on top of HEAD without taking anything else the
 * user has staged (their index keeps its other entries as they were).
 */
import { GitError } from '../errors.js';
import { runGit, type GitResult } from './run-git.js';

export type Trailer = readonly [key: string, value: string];

export interface CommitRequest {
  /** The work tree root (git's cwd); paths are relative to it. */
  root: string;
  paths: readonly string[];
  subject: string;
  body?: string;
  trailers: readonly Trailer[];
  /** The acting agent; it becomes the commit author. */
  author: string;
}

export const AGENT_EMAIL_DOMAIN = 'tinytown.invalid';
const FALLBACK_COMMITTER = { GIT_COMMITTER_NAME: 'Tinytown', GIT_COMMITTER_EMAIL: `tinytown@${AGENT_EMAIL_DOMAIN}` };
const LOCK_RETRY_DEADLINE_MS = 30_000;

/** Set once this process has seen that no committer identity is configured. */
let useFallbackCommitter = false;

export function formatCommitMessage({ subject, body, trailers }: Pick<CommitRequest, 'subject' | 'body' | 'trailers'>): string {
  const parts = [subject.replace(/\s+/g, ' ').trim()];
  if (body?.trim()) parts.push(body.trim());
  if (trailers.length > 0) parts.push(trailers.map(([key, value]) => `${key}: ${value.replace(/\s+/g, ' ').trim()}`).join('\n'));
  return `${parts.join('\n\n')}\n`;
}

function isTransientLockError(error: unknown): boolean {
  return error instanceof GitError && /index\.lock|cannot lock ref|Unable to create .*\.lock|could not lock/i.test(error.stderr);
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

/** Returns false when the paths held no change (nothing was committed). */
export async function commitPaths(request: CommitRequest): Promise<boolean> {
  const { root, author } = request;
  let paths = [...new Set(request.paths)];
  if (paths.length === 0) return false;
  await withLockRetry(() => runGit({ cwd: root, args: ['update-index', '--add', '--remove', '--', ...paths] }));
  const message = formatCommitMessage(request);
  for (;;) {
    try {
      await withLockRetry(() => runCommit(root, author, message, paths));
      return true;
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      if (/nothing to commit|no changes added to commit|nothing added to commit/i.test(error.stderr + error.message)) return false;
      // A path that was never tracked and is gone again (e.g. written while auto-commit was off, then moved).
      const unknown = /pathspec '([^']+)' did not match/.exec(error.stderr)?.[1];
      if (unknown && paths.includes(unknown) && paths.length > 1) {
        paths = paths.filter((p) => p !== unknown);
        continue;
      }
      if (unknown && paths.length === 1) return false;
      throw error;
    }
  }
}

async function runCommit(root: string, author: string, message: string, paths: readonly string[]): Promise<GitResult> {
  const args = [
    // Refuse git's guessed identities (user@hostname): a missing identity is detected, not invented.
    '-c', 'user.useConfigOnly=true',
    'commit', '--only', '--no-verify', '--quiet', '--no-status',
    '--author', `${author} <${author}@${AGENT_EMAIL_DOMAIN}>`,
    '-F', '-', '--', ...paths,
  ];
  const attempt = () => runGit({ cwd: root, args, input: message, env: useFallbackCommitter ? FALLBACK_COMMITTER : {} });
  try {
    return await attempt();
  } catch (error) {
    if (useFallbackCommitter || !isMissingIdentity(error)) throw error;
    useFallbackCommitter = true;
    return attempt();
  }
}
