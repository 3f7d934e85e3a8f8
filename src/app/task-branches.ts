/**
 * Task branches and tt's worktrees letting go of them (DESIGN §6): agents'
 * worktrees live in the local state folder's worktrees/; a branch one of them
 * has checked out is let go of (the worktree detached at the same commit)
 * before it moves to another agent or is deleted after its merge. Used by the
 * approval, by the next command finishing an approval a kill interrupted
 * (merge-journal.ts) and by tt recover closing landed work.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runTask } from '../git/task.js';
import { deleteBranchTask, detachHereTask, listWorktreesTask } from '../git/worktree.js';
import { localStateDir } from '../store/state-dir.js';

export const WORKTREES_FOLDER = 'worktrees';

export function worktreesDir(root: string): string {
  return path.join(localStateDir(root), WORKTREES_FOLDER);
}

/** tt's worktrees that have `branch` checked out (except `keep`) let go of it, staying on its commit. */
export async function detachBranchInWorktrees(root: string, branch: string, keep: string): Promise<void> {
  const ours = worktreesDir(root);
  for (const entry of await runTask(root, listWorktreesTask())) {
    const folder = path.resolve(entry.path);
    if (entry.branch !== `refs/heads/${branch}` || folder === keep || path.dirname(folder) !== ours || !existsSync(folder)) continue;
    await runTask(folder, detachHereTask());
  }
}

/** After its merge: the branch let go of by every tt worktree, then deleted if it is still at `commit` (a branch that moved keeps its new work). */
export async function retireMergedBranch(root: string, branch: string, commit: string): Promise<void> {
  await detachBranchInWorktrees(root, branch, '');
  await runTask(root, deleteBranchTask(branch, commit)).catch(() => undefined);
}
