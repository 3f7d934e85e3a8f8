/**
 * Worktrees and task branches (DESIGN §6), each git call a task (task.ts):
 * an agent's own checkout outside the main work tree, the `tt/<task-id>`
 * branch it works on, and the questions about them (`tt doctor`, approval).
 */
import { type GitTask, lines, records, succeeded, value } from './task.js';

export interface WorktreeEntry {
  path: string;
  /** The commit checked out; undefined in a repository without commits. */
  head: string | undefined;
  /** `refs/heads/…`, or undefined when detached. */
  branch: string | undefined;
  prunable: boolean;
}

/** Every worktree of the repository, the main one first. */
export const listWorktreesTask = (): GitTask<WorktreeEntry[]> => ({
  args: ['worktree', 'list', '--porcelain', '-z'],
  parse: (result) => {
    const entries: WorktreeEntry[] = [];
    let current: WorktreeEntry | undefined;
    for (const field of result.stdout.split('\0')) {
      if (field === '') {
        current = undefined;
        continue;
      }
      const [key, ...rest] = field.split(' ');
      const text = rest.join(' ');
      if (key === 'worktree') {
        current = { path: text, head: undefined, branch: undefined, prunable: false };
        entries.push(current);
      } else if (current && key === 'HEAD') current.head = text;
      else if (current && key === 'branch') current.branch = text;
      else if (current && key === 'prunable') current.prunable = true;
    }
    return entries;
  },
});

/** A new worktree at `folder` with `commit` checked out, detached (no branch is taken from anyone). */
export const addWorktreeTask = (folder: string, commit: string): GitTask<void> => ({
  args: ['worktree', 'add', '--quiet', '--detach', folder, commit],
  parse: () => undefined,
});

/** Removes a worktree (its folder and its registration); `force` also when it holds changes. */
export const removeWorktreeTask = (folder: string, force: boolean): GitTask<void> => ({
  args: ['worktree', 'remove', ...(force ? ['--force'] : []), folder],
  parse: () => undefined,
});

/** Forgets registrations of worktrees whose folder is gone. */
export const pruneWorktreesTask = (): GitTask<void> => ({ args: ['worktree', 'prune'], parse: () => undefined });

/** Run in a worktree: a new branch from `startPoint`, checked out there. */
export const createBranchHereTask = (branch: string, startPoint: string): GitTask<void> => ({
  args: ['switch', '--quiet', '--no-guess', '--create', branch, startPoint],
  parse: () => undefined,
});

/** Run in a worktree: an existing branch checked out there (git refuses while another worktree has it: tt detaches its own first). */
export const switchBranchHereTask = (branch: string): GitTask<void> => ({
  args: ['switch', '--quiet', '--no-guess', branch],
  parse: () => undefined,
});

/** Run in a worktree: let go of its branch, staying on the same commit. */
export const detachHereTask = (): GitTask<void> => ({ args: ['switch', '--quiet', '--detach'], parse: () => undefined });

/** Local branches under `refs/heads/<prefix>` with their tips. */
export const branchesTask = (prefix: string): GitTask<Array<{ name: string; commit: string }>> => ({
  args: ['for-each-ref', '--format=%(objectname) %(refname:strip=2)', `refs/heads/${prefix}`],
  parse: (result) => lines(result).map((line) => {
    const [commit, ...name] = line.split(' ');
    return { commit: commit!, name: name.join(' ') };
  }),
});

/** Deletes a branch only if it still points at `expected` (a moved branch is kept). */
export const deleteBranchTask = (branch: string, expected: string): GitTask<void> => ({
  args: ['update-ref', '-d', `refs/heads/${branch}`, expected],
  parse: () => undefined,
});

/** Is `ancestor` reachable from `descendant`? (exit 1: no) */
export const isAncestorTask = (ancestor: string, descendant: string): GitTask<boolean> => ({
  args: ['merge-base', '--is-ancestor', ancestor, descendant],
  okExitCodes: [1],
  parse: succeeded,
});

/** Uncommitted changes of a work tree (staged, unstaged, untracked), as porcelain records; literal pathspecs when `paths` are given. */
export const uncommittedPathsTask = (paths?: readonly string[]): GitTask<string[]> => ({
  args: paths ? ['--literal-pathspecs', 'status', '--porcelain', '-z', '--untracked-files=all', '--no-renames', '--', ...paths] : ['status', '--porcelain', '-z', '--untracked-files=all', '--no-renames'],
  parse: (result) => records(result).map((record) => record.slice(3)),
});

/** The tip of a local branch, or undefined when there is none. */
export const branchTipTask = (branch: string): GitTask<string | undefined> => ({
  args: ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`],
  okExitCodes: [1, 128],
  parse: value,
});

/**
 * The first commit on HEAD's history that recorded `action` for a task (by
 * its trailers), or undefined: e.g. the task's first `start`, which marks
 * where its branch began.
 */
export const firstTaskActionTask = (taskId: string, action: string): GitTask<string | undefined> => ({
  args: ['log', '--reverse', '--all-match', '--format=%H', `--grep=^Tinytown-Task: ${taskId}$`, `--grep=^Tinytown-Action: ${action}$`, 'HEAD', '--'],
  okExitCodes: [128],
  parse: (result) => (result.exitCode === 0 ? lines(result)[0] : undefined),
});
