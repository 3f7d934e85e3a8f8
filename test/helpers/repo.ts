/** Real temporary git repositories for tests, isolated from the developer's git config. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach } from 'vitest';

const cleanups: Array<() => void> = [];
const suiteCleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});
afterAll(() => {
  while (suiteCleanups.length) suiteCleanups.pop()!();
});

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface TempRepoOptions {
  /** Configure user.name/email locally (default true); false: no identity anywhere. */
  identity?: boolean;
  /** Make an initial commit (default true). */
  initialCommit?: boolean;
  /** 'suite': keep the repo until the file's tests end (for beforeAll); default: until this test ends. */
  lifetime?: 'test' | 'suite';
}

export function tempRepo(options: TempRepoOptions = {}): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'tt-repo-')));
  (options.lifetime === 'suite' ? suiteCleanups : cleanups).push(() => rmSync(dir, { recursive: true, force: true }));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'commit.gpgSign', 'false');
  git(dir, 'config', 'gc.auto', '0');
  if (options.identity !== false) {
    git(dir, 'config', 'user.name', 'Test User');
    git(dir, 'config', 'user.email', 'test@example.com');
  }
  if (options.initialCommit !== false) {
    writeFileSync(path.join(dir, 'README.md'), '# test repo\n');
    git(dir, 'add', 'README.md');
    const env = { ...process.env, GIT_AUTHOR_NAME: 'Test User', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'Test User', GIT_COMMITTER_EMAIL: 'test@example.com' };
    execFileSync('git', ['commit', '-q', '-m', 'initial'], { cwd: dir, env });
  }
  return dir;
}

/** The local state folder of the town in repository `dir` (pids, logs, locks, journal, caches): never in the work tree. */
export function stateDir(dir: string): string {
  return path.join(dir, '.git', 'tinytown');
}

export function headCommit(dir: string): string {
  return git(dir, 'rev-parse', 'HEAD').trim();
}

export function commitCount(dir: string): number {
  return Number(git(dir, 'rev-list', '--count', 'HEAD').trim());
}

/** Paths changed by one commit. */
export function commitPaths(dir: string, rev = 'HEAD'): string[] {
  return git(dir, 'show', '--name-only', '--no-renames', '--format=', rev).split('\n').filter(Boolean);
}

export function trailersOf(dir: string, rev = 'HEAD'): Record<string, string[]> {
  const message = git(dir, 'log', '-1', '--format=%B', rev);
  const parsed = execFileSync('git', ['interpret-trailers', '--parse'], { cwd: dir, input: message, encoding: 'utf8' });
  const trailers: Record<string, string[]> = {};
  for (const line of parsed.split('\n').filter(Boolean)) {
    const [key, ...rest] = line.split(': ');
    (trailers[key!] ??= []).push(rest.join(': '));
  }
  return trailers;
}

/** Everything that identifies the state of a work tree: HEAD, the index, and the status. */
export function treeSnapshot(dir: string): string {
  return [
    git(dir, 'rev-parse', 'HEAD').trim(),
    git(dir, 'ls-files', '--stage'),
    git(dir, 'status', '--porcelain', '--untracked-files=all'),
  ].join('\n---\n');
}
