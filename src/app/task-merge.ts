/**
 * Review pinned to a commit, approval merges it (DESIGN §6). For a task with
 * a branch (its assignee works in a worktree):
 *
 * - `tt review` records the branch tip as `review_commit`, and the reviewer's
 *   request shows the range to look at (`git diff <base>...<review_commit>`);
 * - `tt approve` merges exactly that commit into the town's branch: a
 *   fast-forward when possible, else a merge commit made from
 *   `git merge-tree --write-tree` (no work tree, no index involved), moved in
 *   with compare-and-swap. Only the merged paths are then written into the
 *   person's index and work tree — refused, before anything moves, where the
 *   person has uncommitted changes in them. The merge and the approval happen
 *   under one town lock, the approval committed on top of the merge: the
 *   approval is journaled first, committed only once the merge is on the
 *   branch (transaction.ts `Landing`); a kill in between is settled by the
 *   next tt write (merge-journal.ts), so the two happen both or neither.
 * - A branch that moved after review is refused (hand it to review again); a
 *   merge that conflicts merges nothing and sends the task back to its
 *   assignee as `changes_requested` naming the paths, the conductor told.
 */
import { ConflictError } from '../errors.js';
import { isoNow } from '../core/ids.js';
import { applyTaskAction } from '../core/transitions.js';
import { CONDUCTOR, type Task } from '../core/types.js';
import { describeHits } from '../core/reservations.js';
import { hasCommitterTask, identityEnv } from '../git/identity.js';
import {
  changedBetweenTask, commitTreeTask, mergeTreeTask, rangeCommitsTask, rangeDiffstatTask, updateRefTask,
} from '../git/merge-tree.js';
import { currentBranchTask, headRefTask, mergeBaseTask, revParseTask } from '../git/repo.js';
import { runTask } from '../git/task.js';
import { branchTipTask, deleteBranchTask, isAncestorTask, uncommittedPathsTask } from '../git/worktree.js';
import { formatTask } from '../store/records.js';
import { townPaths } from '../store/paths.js';
import { readTask } from '../store/reader.js';
import type { Town } from '../store/town.js';
import { deliver } from './messages.js';
import { exclusiveHits, releaseTaskReservations } from './reservations.js';
import { changeSubject, changeTrailers, killForTests, transact } from './transaction.js';
import { removeMergeJournal, updateCheckout, writeMergeJournal } from './merge-journal.js';
import { updateTask, type TaskResult } from './tasks.js';
import { retireMergedBranch } from './task-branches.js';
import type { OpContext } from './context.js';

const short = (commit: string) => commit.slice(0, 12);

export interface BranchReview {
  /** The branch tip handed to review. */
  commit: string;
  /** The town's branch name (or HEAD when detached). */
  base: string;
  commits: string[];
  diffstat: string;
}

/** What `tt review` pins for a task with a branch; undefined for a task without one. */
export async function reviewOfBranch(town: Town, task: Task): Promise<BranchReview | undefined> {
  if (!task.branch) return undefined;
  const tip = await runTask(town.root, branchTipTask(task.branch));
  if (!tip) throw new ConflictError(`${task.id} names the branch ${task.branch}, which does not exist: start the task again (tt task start ${task.id}) or requeue it`);
  const base = (await runTask(town.root, currentBranchTask())) ?? 'HEAD';
  const commits = await runTask(town.root, rangeCommitsTask(`HEAD..${tip}`));
  const diffstat = commits.length > 0 ? await runTask(town.root, rangeDiffstatTask('HEAD', tip)) : '';
  return { commit: tip, base, commits, diffstat };
}

export function formatBranchReviewRequest(task: Task, note: string | undefined, review: BranchReview): string {
  const lines = [`Please review ${task.id}: ${task.title}`];
  if (note) lines.push('', note.trim());
  lines.push('', `Branch ${task.branch} at ${short(review.commit)} (the exact commit an approval merges into ${review.base}):`);
  if (review.commits.length === 0) lines.push(`  (no commits beyond ${review.base} — the work may be uncommitted in the worktree)`);
  else lines.push(...review.commits.map((line) => `  ${line}`), '', review.diffstat);
  lines.push('', `See the change: git diff ${review.base}...${review.commit}`);
  lines.push('', `Approve (merges it): tt approve ${task.id} --message "..."   Request changes: tt reject ${task.id} --reason "..."`);
  return `${lines.join('\n')}\n`;
}

/** A merge that conflicts: nothing was merged. */
class MergeConflict extends Error {
  constructor(readonly paths: string[], readonly base: string) {
    super('merge conflict');
  }
}

interface Merged {
  /** The town branch before and after. */
  from: string;
  to: string;
  kind: 'fast-forward' | 'merge' | 'already-merged';
  paths: string[];
}

/** Test hook: hold the merge between moving the branch and updating the checkout, so a test can kill the process there. */
function pauseInMergeForTests(): Promise<void> {
  const ms = Number(process.env.TINYTOWN_TEST_PAUSE_IN_MERGE_MS ?? 0);
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

/** A merge decided, not yet done: `land` moves the town's branch and brings the checkout along. */
interface PlannedMerge extends Merged {
  ref: string;
  land: () => Promise<void>;
}

/**
 * Decides the merge of `commit` into the town branch (inside the town lock):
 * what it changes, checked against reservations and the person's uncommitted
 * work. Throws MergeConflict or a refusal, having changed nothing; the merge
 * itself happens in `land`, once the approval is journaled (transaction.ts).
 */
async function planMerge(ctx: OpContext, task: Task, commit: string): Promise<PlannedMerge> {
  const { root } = ctx.town;
  const ref = await runTask(root, headRefTask());
  if (!ref) throw new ConflictError(`the main checkout is on a detached HEAD: check out the town's branch, then approve ${task.id} again`);
  const base = ref.replace(/^refs\/heads\//, '');
  const head = await runTask(root, revParseTask('HEAD'));
  if (await runTask(root, isAncestorTask(commit, head))) return { ref, from: head, to: head, kind: 'already-merged', paths: [], land: async () => undefined };
  const forkPoint = (await runTask(root, mergeBaseTask(head, commit))) ?? head;
  const branchPaths = await runTask(root, changedBetweenTask(forkPoint, commit));
  const held = exclusiveHits(ctx.town, branchPaths, task.assignee, ctx.now());
  if (held.length > 0) throw new ConflictError(`${task.branch} changes paths another agent holds exclusively, so it is not merged:\n${describeHits(held)}`);
  let target: string;
  let kind: Merged['kind'];
  if (await runTask(root, isAncestorTask(head, commit))) {
    target = commit;
    kind = 'fast-forward';
  } else {
    const merge = await runTask(root, mergeTreeTask(head, commit));
    if (!merge.clean) throw new MergeConflict(merge.conflicts, base);
    const change = {
      action: 'merge', agent: ctx.actor, task: task.id, summary: `${task.id} ${task.title}`,
      trailers: [['Reviewed-by', ctx.actor], ['Tinytown-Reviewed-Commit', commit]] as Array<[string, string]>,
    };
    const message = `${changeSubject(change)}\n\n${changeTrailers(change).map(([key, value]) => `${key}: ${value.replace(/[\r\n]+/g, ' ')}`).join('\n')}\n`;
    const env = identityEnv(ctx.actor, await runTask(root, hasCommitterTask()));
    target = await runTask(root, commitTreeTask(merge.tree, [head, commit], message, env));
    kind = 'merge';
  }
  const paths = await runTask(root, changedBetweenTask(head, target));
  const dirty = paths.length === 0 ? [] : await runTask(root, uncommittedPathsTask(paths));
  if (dirty.length > 0) {
    throw new ConflictError(`not merged: you have uncommitted changes in ${dirty.length} path(s) the merge of ${task.id} would change: ${dirty.slice(0, 10).join(', ')}${dirty.length > 10 ? ', …' : ''}; commit or stash them, then approve ${task.id} again`);
  }
  const land = async () => {
    writeMergeJournal(root, { ref, from: head, to: target, paths, ...(task.branch ? { branch: task.branch, reviewed: commit } : {}) });
    await runTask(root, updateRefTask(ref, target, head, `tt: ${kind} ${task.id} (${task.branch})`));
    killForTests('merge');
    await pauseInMergeForTests();
    try {
      await updateCheckout(root, target, paths);
    } catch (error) {
      await runTask(root, updateRefTask(ref, head, target, `tt: undo ${kind} ${task.id}`));
      throw error;
    } finally {
      removeMergeJournal(root);
    }
  };
  return { ref, from: head, to: target, kind, paths, land };
}

export interface DecisionInput {
  message?: string | undefined;
  cc: readonly string[];
  /** Only the task's reviewer or the conductor may decide (review.ts). */
  authorize: (task: Task) => void;
}

/** `tt approve` of a task with a branch: merge the reviewed commit, approve, in one lock; a conflict routes the task back. */
export async function approveAndMerge(ctx: OpContext, id: string, input: DecisionInput): Promise<TaskResult> {
  let merged: Merged | undefined;
  let conflict: MergeConflict | undefined;
  let task: Task | undefined;
  try {
    const { result, commit } = await transact(ctx.town, async (writer) => {
      // (A merge a kill interrupted was settled by the transaction first, inside the lock, before anything reads HEAD.)
      const before = readTask(ctx.town.root, id);
      input.authorize(before);
      const reviewed = before.review_commit;
      // The transition is checked before anything merges: only a task in review can be approved.
      applyTaskAction(before, { kind: 'approve', approvedBy: ctx.actor, reviewedCommit: reviewed }, isoNow(ctx.now()));
      if (!before.branch || !reviewed) throw new ConflictError(`${id} has no reviewed commit to merge: hand it to review again (tt review ${id})`);
      const tip = await runTask(ctx.town.root, branchTipTask(before.branch));
      // A branch deleted after its reviewed commit landed (merged by hand; tt recover sends such a task to review) needs no tip.
      const landedWithoutBranch = tip === undefined && await runTask(ctx.town.root, isAncestorTask(reviewed, 'HEAD'));
      if (tip !== reviewed && !landedWithoutBranch) {
        throw new ConflictError(`${before.branch} moved after review (reviewed ${short(reviewed)}, now ${tip ? short(tip) : 'gone'}): the new commits were not reviewed; hand it to review again: tt review ${id}`);
      }
      const planned = await planMerge(ctx, before, reviewed);
      merged = planned;
      const after = applyTaskAction(before, { kind: 'approve', approvedBy: ctx.actor, reviewedCommit: reviewed }, isoNow(ctx.now()));
      writer.write(townPaths.task(id), formatTask(after));
      releaseTaskReservations(writer, ctx.town, after);
      const note = input.message?.trim();
      const how = merged.kind === 'merge' ? `merged at ${short(merged.to)}` : merged.kind === 'fast-forward' ? 'fast-forwarded' : 'already merged';
      const recipients = [after.assignee ?? CONDUCTOR, ...input.cc].filter((name) => name !== ctx.actor);
      const messages = recipients.length === 0 ? [] : deliver(writer, {
        from: ctx.actor, type: 'approved', task: id,
        body: `${ctx.actor} approved ${id}: ${after.title} (reviewed at ${short(reviewed)}; ${after.branch} ${how})${note ? `\n\n${note}` : ''}\n`,
      }, [...new Set(recipients)], ctx.now());
      return {
        result: after,
        change: {
          action: 'approve', agent: ctx.actor, task: id, messages: messages.map((m) => m.id), summary: `${id}: ${after.title}`,
          trailers: [['Reviewed-by', ctx.actor], ['Tinytown-Reviewed-Commit', reviewed]],
        },
        // The approval is committed only once the merge is on the town's branch (both or neither, even across a kill).
        landing: planned.kind === 'already-merged' ? undefined : { ref: planned.ref, commit: planned.to, land: planned.land },
      };
    }, { movesHead: true });
    task = result;
    // The worktree lets go of the branch, now part of the town's, and it is deleted (unless it moved since).
    if (result.branch && result.review_commit) await retireMergedBranch(ctx.town.root, result.branch, result.review_commit);
    return { task: result, commit };
  } catch (error) {
    if (!(error instanceof MergeConflict)) throw error;
    conflict = error;
  }
  return routeConflictBack(ctx, id, conflict, task);
}

async function routeConflictBack(ctx: OpContext, id: string, conflict: MergeConflict, _task: Task | undefined): Promise<never> {
  const listed = conflict.paths.slice(0, 20).map((p) => `  - ${p}`).join('\n');
  const { task } = await updateTask(ctx, id, {
    action: { kind: 'reject' },
    summary: (t) => `${t.id}: ${t.branch} conflicts with ${conflict.base} in ${conflict.paths.length} path(s)`,
    notify: (_, t) => [{
      to: [...new Set([t.assignee ?? CONDUCTOR, CONDUCTOR])], type: 'changes_requested',
      body: `${ctx.actor} approved ${t.id}: ${t.title}, but ${t.branch} at ${short(t.review_commit ?? '')} does not merge cleanly into ${conflict.base}; nothing was merged. Conflicting paths:\n${listed}\n\nIn your worktree: git merge ${conflict.base}, resolve them, commit, then hand off again: tt review ${t.id}\n`,
    }],
    trailers: (t) => [['Tinytown-Reason', `merge conflict in ${conflict.paths.slice(0, 5).join(', ')}`], ...(t.review_commit ? [['Tinytown-Reviewed-Commit', t.review_commit] as [string, string]] : [])],
  });
  throw new ConflictError(`not merged: ${task.branch} conflicts with ${conflict.base} in ${conflict.paths.join(', ')}; ${id} went back to ${task.assignee ?? 'its assignee'} (changes requested) and the conductor was told`);
}
