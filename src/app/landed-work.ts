/**
 * Work that already landed (DESIGN §6): before `tt recover` and `tt reclaim`
 * hand a stopped agent's task out again, they ask whether its branch is
 * already in the town's branch (`git merge-base --is-ancestor`) — an approval
 * killed after its merge, a branch someone merged by hand. Such a task is not
 * run a second time. Within the state machine (assigned|running → completed
 * or → review) it is closed as landed:
 *
 * - without a reviewer it is completed, its result saying where it landed;
 * - with one it goes to review pinned to the landed commit, since only the
 *   reviewer completes a reviewed task: their approval merges nothing (the
 *   commit is in already) and records who approved what.
 *
 * A branch that holds nothing beyond where it began is an ancestor of the
 * town's branch too, so "landed" also asks that the commit is newer than the
 * task's first `start` commit (where its branch began); a town whose history
 * lacks that commit (auto_commit off) gets the task handed out as before.
 */
import { ConflictError } from '../errors.js';
import { CONDUCTOR, type Task } from '../core/types.js';
import { currentBranchTask, revParseTask } from '../git/repo.js';
import { runTask } from '../git/task.js';
import { branchTipTask, firstTaskActionTask, isAncestorTask } from '../git/worktree.js';
import { listTasks } from '../store/reader.js';
import type { Town } from '../store/town.js';
import { updateTask } from './tasks.js';
import { retireMergedBranch } from './task-branches.js';
import type { OpContext } from './context.js';

export interface LandedTask {
  id: string;
  /** The commit of the task's work found in the town's branch. */
  commit: string;
  /** What the task became: completed (no reviewer) or review (its reviewer decides). */
  state: 'completed' | 'review';
}

const short = (commit: string) => commit.slice(0, 12);

/** The commit of the task's work that is already in the town's branch, or undefined when its work has not landed (or there is none). */
export async function landedCommit(town: Town, task: Task): Promise<string | undefined> {
  if (!town.gitDir || (!task.branch && !task.review_commit)) return undefined;
  const { root } = town;
  const tip = task.branch ? await runTask(root, branchTipTask(task.branch)) : undefined;
  // The branch's tip is all of the work; a branch that is gone leaves only the commit once handed to review.
  const candidate = tip ?? task.review_commit;
  if (!candidate) return undefined;
  const head = await runTask(root, revParseTask('HEAD')).catch(() => undefined);
  if (!head || !(await runTask(root, isAncestorTask(candidate, head)))) return undefined;
  const started = await runTask(root, firstTaskActionTask(task.id, 'start'));
  if (!started || await runTask(root, isAncestorTask(candidate, started))) return undefined;
  return candidate;
}

/** Closes as landed the open tasks of these agents whose work is already in the town's branch (see the header); returns them. */
export async function settleLandedTasks(ctx: OpContext, agents: readonly string[]): Promise<LandedTask[]> {
  const { town } = ctx;
  if (!town.gitDir) return [];
  const open = listTasks(town.root).items.filter((task) => (task.state === 'assigned' || task.state === 'running')
    && task.assignee !== null && agents.includes(task.assignee) && (task.branch !== null || task.review_commit !== null));
  const settled: LandedTask[] = [];
  for (const task of open) {
    const commit = await landedCommit(town, task);
    if (!commit) continue;
    const base = (await runTask(town.root, currentBranchTask())) ?? 'HEAD';
    const where = `${task.branch ?? 'its work'} at ${short(commit)} is already in ${base}`;
    try {
      if (task.reviewer) {
        const reviewer = task.reviewer;
        await updateTask(ctx, task.id, {
          action: { kind: 'review', reviewer, reviewCommit: commit },
          summary: (t) => `${t.id}: landed already (${short(commit)} in ${base})`,
          notify: (_, t) => [{
            to: [reviewer], type: 'review_request',
            body: `${t.id}: ${t.title} — ${where} (found by tt recover; its agent ${t.assignee} stopped). Nothing is left to merge: tt approve ${t.id} records your approval of ${short(commit)}; tt reject ${t.id} --reason "..." sends it back.\n\nSee the change: git show ${commit}\n`,
          }],
          trailers: () => [['Tinytown-Reason', `landed: ${short(commit)} is in ${base}`]],
        });
        settled.push({ id: task.id, commit, state: 'review' });
      } else {
        const { task: done } = await updateTask(ctx, task.id, {
          action: { kind: 'complete', result: `landed: ${where}` },
          summary: (t) => `${t.id}: landed already (${short(commit)} in ${base})`,
          notify: (_, t) => [{ to: [CONDUCTOR], type: 'task_done', body: `${t.id}: ${t.title} — completed by tt recover: ${where}; it was not handed out again.\n` }],
          trailers: () => [['Tinytown-Reason', `landed: ${short(commit)} is in ${base}`]],
        });
        if (done.branch) await retireMergedBranch(town.root, done.branch, commit);
        settled.push({ id: task.id, commit, state: 'completed' });
      }
    } catch (error) {
      // Someone moved the task meanwhile (the transition re-checks inside the lock): theirs stands.
      if (!(error instanceof ConflictError)) throw error;
    }
  }
  return settled;
}
