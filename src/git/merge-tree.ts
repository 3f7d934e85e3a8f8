/**
 * The merge of an approved task branch (DESIGN §6), computed without any work
 * tree or index: `git merge-tree --write-tree` (git ≥ 2.38) gives the merged
 * tree or the conflicting paths; `commit-tree` makes the merge commit;
 * `update-ref` moves the branch with compare-and-swap; then only the merged
 * paths are written into the person's index and work tree.
 */
import { GitError } from '../errors.js';
import { type GitTask, lines, records } from './task.js';

export type TreeMerge = { clean: true; tree: string } | { clean: false; conflicts: string[] };

export const mergeTreeTask = (ours: string, theirs: string): GitTask<TreeMerge> => ({
  args: ['merge-tree', '--write-tree', '-z', '--name-only', '--no-messages', ours, theirs],
  // 129: git's usage error, which is what a git older than 2.38 answers to --write-tree.
  okExitCodes: [1, 129],
  parse: (result) => {
    if (result.exitCode === 129) {
      throw new GitError('merging a task branch needs git 2.38 or newer (git merge-tree --write-tree); this git refused it: upgrade git, or merge the branch yourself and approve again', ['merge-tree', '--write-tree'], result.stderr);
    }
    const [tree, ...paths] = records(result);
    if (result.exitCode === 0) return { clean: true, tree: tree! };
    return { clean: false, conflicts: [...new Set(paths)] };
  },
});

/** A commit of `tree` with these parents; the message on stdin; author and committer from `env`. */
export const commitTreeTask = (tree: string, parents: readonly string[], message: string, env: Record<string, string>): GitTask<string> => ({
  args: ['commit-tree', tree, ...parents.flatMap((parent) => ['-p', parent]), '-F', '-'],
  input: message,
  env,
  parse: (result) => result.stdout.trim(),
});

/** Moves `ref` from `expected` to `next`, or fails when it is no longer at `expected`. */
export const updateRefTask = (ref: string, next: string, expected: string, reason: string): GitTask<void> => ({
  args: ['update-ref', '-m', reason, ref, next, expected],
  parse: () => undefined,
});

/** Paths that differ between two commits (renames as deletion and addition). */
export const changedBetweenTask = (from: string, to: string): GitTask<string[]> => ({
  args: ['diff-tree', '-r', '-z', '--name-only', '--no-renames', '--no-commit-id', from, to],
  parse: records,
});

/** `git diff --stat base...tip`, for a reviewer's prompt. */
export const rangeDiffstatTask = (base: string, tip: string): GitTask<string> => ({
  args: ['diff', '--stat', '--no-color', `${base}...${tip}`],
  parse: (result) => result.stdout.trimEnd(),
});

export interface TreeEntry {
  mode: string;
  object: string;
  path: string;
}

/** The blobs (and submodule commits) of `paths` in a commit. */
export const treeEntriesTask = (commit: string, paths: readonly string[]): GitTask<TreeEntry[]> => ({
  args: ['--literal-pathspecs', 'ls-tree', '-r', '-z', '--full-tree', commit, '--', ...paths],
  parse: (result) => records(result).map((record) => {
    const match = /^(\d+) \w+ ([0-9a-f]+)\t([\s\S]*)$/.exec(record);
    if (!match) throw new Error(`git ls-tree gave an unexpected line: ${record.slice(0, 80)}`);
    return { mode: match[1]!, object: match[2]!, path: match[3]! };
  }),
});

/** These paths as `commit` has them, into the index and the work tree, in one index write (nothing else changes). */
export const checkoutFromCommitTask = (commit: string, paths: readonly string[]): GitTask<void> => ({
  args: ['--literal-pathspecs', 'checkout', '--quiet', commit, '--pathspec-from-file=-', '--pathspec-file-nul'],
  input: paths.map((p) => `${p}\0`).join(''),
  parse: () => undefined,
});

/** Commits of a range, oldest first (`base..tip`), for a review request. */
export const rangeCommitsTask = (range: string): GitTask<string[]> => ({
  args: ['log', '--reverse', '--format=%h %s', range],
  parse: lines,
});

/** Which of `paths` differ in the work tree from `commit` (what someone changed there since). */
export const changedSinceCommitTask = (commit: string, paths: readonly string[]): GitTask<string[]> => ({
  args: ['--literal-pathspecs', 'diff', '--name-only', '-z', '--no-renames', '--no-relative', commit, '--', ...paths],
  parse: records,
});
