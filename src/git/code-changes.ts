/** What changed in the code (everything outside .tinytown/) — for review requests and approvals. */
import { runGit } from './run-git.js';

const OUTSIDE_TOWN = ['--', '.', ':(exclude).tinytown'];
/** git's well-known empty tree, the "parent" of a root commit. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

export interface CodeCommit {
  commit: string;
  short: string;
  subject: string;
}

export interface CodeChanges {
  commits: CodeCommit[];
  diffstat: string;
}

/**
 * The commit where work on a task began: its newest `start`, else its
 * `assign`/`claim`. Code after that commit is the task's work — exact, unlike a
 * time, which git compares only to the second.
 */
export async function taskStartCommit(root: string, taskId: string): Promise<string | undefined> {
  for (const action of ['start', 'claim', 'assign']) {
    const result = await runGit({
      cwd: root, okExitCodes: [128],
      args: ['log', '-1', '--format=%H', '--all-match', '--grep', `^Tinytown-Task: ${taskId}$`, '--grep', `^Tinytown-Action: ${action}$`, 'HEAD'],
    });
    if (result.exitCode === 0 && result.stdout.trim()) return result.stdout.trim();
  }
  return undefined;
}

/** Code commits after `base` (a commit), newest first, with one diffstat over all of them. */
export async function codeChangesSince(root: string, base: string): Promise<CodeChanges> {
  const log = await runGit({ cwd: root, args: ['log', '--format=%H%x1f%h%x1f%s', `${base}..HEAD`, ...OUTSIDE_TOWN], okExitCodes: [128] });
  if (log.exitCode !== 0) return { commits: [], diffstat: '' };
  const commits = log.stdout.split('\n').filter(Boolean).map((line) => {
    const [commit = '', short = '', subject = ''] = line.split('\x1f');
    return { commit, short, subject };
  });
  if (commits.length === 0) return { commits, diffstat: '' };
  const stat = await runGit({ cwd: root, args: ['diff', '--stat', base, 'HEAD', ...OUTSIDE_TOWN] });
  return { commits, diffstat: stat.stdout.trimEnd() };
}

/** The task's code changes; without a start commit (auto-commit off), everything reachable. */
export async function taskCodeChanges(root: string, taskId: string): Promise<CodeChanges> {
  return codeChangesSince(root, (await taskStartCommit(root, taskId)) ?? EMPTY_TREE);
}

/** The newest commit that touched code (not only the town): what an approval pins. */
export async function latestCodeCommit(root: string): Promise<string | null> {
  const result = await runGit({ cwd: root, args: ['log', '-1', '--format=%H', 'HEAD', ...OUTSIDE_TOWN], okExitCodes: [128] });
  return result.exitCode === 0 && result.stdout.trim() ? result.stdout.trim() : null;
}
