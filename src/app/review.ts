/**
 * The reviewer as the quality gate, with every decision a commit:
 * a handoff (`review`), an approval pinned to the reviewed code commit, or a
 * request for changes routed back to the assignee.
 */
import { ConflictError, UsageError } from '../errors.js';
import { CONDUCTOR, type Task } from '../core/types.js';
import { latestCodeCommit, taskCodeChanges, type CodeChanges } from '../git/code-changes.js';
import { listAgents, readTask, resolveTaskId } from '../store/reader.js';
import { resolveAgent } from './agents.js';
import { requireText } from './messages.js';
import { updateTask, type TaskResult } from './tasks.js';
import type { OpContext } from './context.js';
import { approveAndMerge, formatBranchReviewRequest, reviewOfBranch } from './task-merge.js';

export interface ReviewOptions {
  to?: string | undefined;
  message?: string | undefined;
  cc?: readonly string[];
}

function defaultReviewer(ctx: OpContext, task: Task): string {
  if (task.reviewer) return task.reviewer;
  const reviewers = listAgents(ctx.town.root).items.filter((agent) => agent.role === 'reviewer').map((agent) => agent.name);
  if (reviewers.length === 1) return reviewers[0]!;
  const known = reviewers.length ? `the reviewers are ${reviewers.join(', ')}` : 'the town has no reviewer (tt spawn reviewer)';
  throw new UsageError(`${task.id} has no reviewer and ${known}: name one with \`tt review ${task.id} --to REVIEWER\``);
}

export function formatReviewRequest(task: Task, note: string | undefined, changes: CodeChanges): string {
  const lines = [`Please review ${task.id}: ${task.title}`];
  if (note) lines.push('', note.trim());
  lines.push('', 'Code changes since the task started:');
  if (changes.commits.length === 0) lines.push('  (no code commits yet — the work may be uncommitted)');
  else lines.push(...changes.commits.map((c) => `  ${c.short} ${c.subject}`), '', changes.diffstat);
  lines.push('', `Approve: tt approve ${task.id} --message "..."   Request changes: tt reject ${task.id} --reason "..."`);
  return `${lines.join('\n')}\n`;
}

export async function requestReview(ctx: OpContext, idInput: string, options: ReviewOptions = {}): Promise<TaskResult> {
  const id = resolveTaskId(ctx.town.root, idInput);
  const current = readTask(ctx.town.root, id);
  const reviewer = options.to ? resolveAgent(ctx.town, options.to, 'reviewer') : defaultReviewer(ctx, current);
  if (reviewer === current.assignee) throw new UsageError(`${reviewer} is the assignee of ${id}: a different agent must review it`);
  const cc = (options.cc ?? []).map((name) => resolveAgent(ctx.town, name));
  const note = options.message?.trim() || undefined;
  // A task with a branch is reviewed at its tip, pinned as review_commit: what an approval merges (task-merge.ts).
  const branch = await reviewOfBranch(ctx.town, current);
  const changes = branch ? undefined : await taskCodeChanges(ctx.town.root, id);
  return updateTask(ctx, id, {
    action: { kind: 'review', reviewer, reviewCommit: branch?.commit ?? null },
    summary: (task) => `${task.id} to ${reviewer}: ${task.title}`,
    notify: (_, task) => [{ to: [reviewer, ...cc], type: 'review_request', body: branch ? formatBranchReviewRequest(task, note, branch) : formatReviewRequest(task, note, changes!) }],
    trailers: () => (branch ? [['Tinytown-Review-Commit', branch.commit]] : []),
  });
}

/** Only the task's reviewer, or the conductor, may decide. */
function requireDecider(ctx: OpContext, task: Task, verb: string): void {
  if (ctx.actor === CONDUCTOR || ctx.actor === task.reviewer) return;
  const who = task.reviewer ? `${task.reviewer} (its reviewer)` : 'its reviewer';
  throw new ConflictError(`${ctx.actor} cannot ${verb} ${task.id}: only ${who} or the conductor can; act as them with --as`);
}

export interface DecisionOptions {
  message?: string | undefined;
  cc?: readonly string[];
}

export async function approveTask(ctx: OpContext, idInput: string, options: DecisionOptions = {}): Promise<TaskResult> {
  const id = resolveTaskId(ctx.town.root, idInput);
  const cc = (options.cc ?? []).map((name) => resolveAgent(ctx.town, name));
  if (readTask(ctx.town.root, id).branch) {
    return approveAndMerge(ctx, id, { message: options.message, cc, authorize: (task) => {
      if (task.state === 'review') requireDecider(ctx, task, 'approve');
    } });
  }
  const reviewedCommit = await latestCodeCommit(ctx.town.root);
  const note = options.message?.trim();
  return updateTask(ctx, id, {
    action: { kind: 'approve', approvedBy: ctx.actor, reviewedCommit },
    authorize: (task) => {
      if (task.state === 'review') requireDecider(ctx, task, 'approve');
    },
    summary: (task) => `${task.id}: ${task.title}`,
    notify: (_, task) => [{
      to: [task.assignee ?? CONDUCTOR, ...cc], type: 'approved',
      body: `${ctx.actor} approved ${task.id}: ${task.title}${reviewedCommit ? ` (reviewed at ${reviewedCommit.slice(0, 12)})` : ''}${note ? `\n\n${note}` : ''}\n`,
    }],
    trailers: () => [['Reviewed-by', ctx.actor], ...(reviewedCommit ? [['Tinytown-Reviewed-Commit', reviewedCommit] as const] : [])],
  });
}

export async function rejectTask(ctx: OpContext, idInput: string, options: DecisionOptions & { reason: string }): Promise<TaskResult> {
  const reason = requireText(options.reason, 'the reason (--reason)').trim();
  const id = resolveTaskId(ctx.town.root, idInput);
  const cc = (options.cc ?? []).map((name) => resolveAgent(ctx.town, name));
  // A rejection names the code it looked at, as an approval does, so the history shows what was sent back.
  const reviewedCommit = await latestCodeCommit(ctx.town.root);
  return updateTask(ctx, id, {
    action: { kind: 'reject' },
    authorize: (task) => {
      if (task.state === 'review') requireDecider(ctx, task, 'reject');
    },
    summary: (task) => `${task.id}: ${reason}`,
    notify: (_, task) => [{
      to: [task.assignee ?? CONDUCTOR, ...cc], type: 'changes_requested',
      body: `${ctx.actor} requested changes on ${task.id}: ${task.title}\n\n${reason}\n\nFix it, then hand off again: tt review ${task.id}\n`,
    }],
    trailers: () => [['Tinytown-Reason', reason], ...(reviewedCommit ? [['Tinytown-Reviewed-Commit', reviewedCommit] as const] : [])],
  });
}
