/** What changed in the code (everything outside .tinytown/) — for review requests and approvals. */
import { runTask, value, type GitTask } from './task.js';

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
    const commit = await runTask(root, taskActionCommitTask(taskId, action));
    if (commit) return commit;
  }
  return undefined;
}

/** The newest commit recording `action` on a task (by its trailers). */
export const taskActionCommitTask = (taskId: string, action: string): GitTask<string | undefined> => ({
  args: ['log', '-1', '--format=%H', '--all-match', '--grep', `^Tinytown-Task: ${taskId}$`, '--grep', `^Tinytown-Action: ${action}$`, 'HEAD'],
  okExitCodes: [128],
  parse: value,
});

/** Code commits in `base..HEAD`, newest first; undefined when git cannot list them (an unknown base). */
export const codeCommitsTask = (base: string): GitTask<CodeCommit[] | undefined> => ({
  args: ['log', '--format=%H%x1f%h%x1f%s', `${base}..HEAD`, ...OUTSIDE_TOWN],
  okExitCodes: [128],
  parse: (result) => (result.exitCode !== 0 ? undefined : result.stdout.split('\n').filter(Boolean).map((line) => {
    const [commit = '', short = '', subject = ''] = line.split('\x1f');
    return { commit, short, subject };
  })),
});

export const codeDiffstatTask = (base: string): GitTask<string> => ({
  args: ['diff', '--stat', base, 'HEAD', ...OUTSIDE_TOWN],
  parse: (result) => result.stdout.trimEnd(),
});

export const latestCodeCommitTask = (): GitTask<string | null> => ({
  args: ['log', '-1', '--format=%H', 'HEAD', ...OUTSIDE_TOWN],
  okExitCodes: [128],
  parse: (result) => value(result) ?? null,
});

/** Code commits after `base` (a commit), newest first, with one diffstat over all of them. */
export async function codeChangesSince(root: string, base: string): Promise<CodeChanges> {
  const commits = await runTask(root, codeCommitsTask(base));
  if (!commits) return { commits: [], diffstat: '' };
  if (commits.length === 0) return { commits, diffstat: '' };
  return { commits, diffstat: await runTask(root, codeDiffstatTask(base)) };
}

/** The task's code changes; without a start commit (auto-commit off), everything reachable. */
export async function taskCodeChanges(root: string, taskId: string): Promise<CodeChanges> {
  return codeChangesSince(root, (await taskStartCommit(root, taskId)) ?? EMPTY_TREE);
}

/** The newest commit that touched code (not only the town): what an approval pins. */
export async function latestCodeCommit(root: string): Promise<string | null> {
  return runTask(root, latestCodeCommitTask());
}
