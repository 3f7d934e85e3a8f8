/**
 * The task life cycle of DESIGN §1, as pure functions from a task to its next
 * version. Illegal moves are refused with the current state named and the
 * command that would help.
 */
import { ConflictError } from '../errors.js';
import { OPEN_TASK_STATES, type Task, type TaskState } from './types.js';

export type TaskAction =
  | { kind: 'assign'; assignee: string }
  | { kind: 'claim'; assignee: string }
  /** `branch`: the task branch its assignee's worktree checked out (DESIGN §6). */
  | { kind: 'start'; branch?: string | null }
  | { kind: 'complete'; result: string }
  /** `reviewCommit`: the task branch's tip handed to review, when the task has a branch. */
  | { kind: 'review'; reviewer: string; reviewCommit?: string | null }
  | { kind: 'approve'; approvedBy: string; reviewedCommit: string | null }
  | { kind: 'reject' }
  | { kind: 'fail'; reason: string }
  | { kind: 'cancel' }
  | { kind: 'requeue' }
  /** A running task goes back to assigned: its agent's round failed or the agent stopped. */
  | { kind: 'release' };

function refuse(task: Task, action: string, hint: string): never {
  throw new ConflictError(`cannot ${action} ${task.id}: it is ${task.state}${task.assignee ? ` (assignee ${task.assignee})` : ''}; ${hint}`);
}

function requireState(task: Task, action: string, allowed: readonly TaskState[], hint?: string): void {
  if (!allowed.includes(task.state)) {
    refuse(task, action, hint ?? `only a task that is ${allowed.join(' or ')} can be ${action === 'start' ? 'started' : `${action}d`}`);
  }
}

export function isOpen(task: Task): boolean {
  return OPEN_TASK_STATES.includes(task.state);
}

export function isBacklog(task: Task): boolean {
  return task.state === 'pending' && task.assignee === null;
}

export function applyTaskAction(task: Task, action: TaskAction, now: string): Task {
  const next: Task = { ...task, tags: [...task.tags], extra: { ...task.extra }, updated: now };
  switch (action.kind) {
    case 'assign':
      requireState(task, 'assign', ['pending', 'assigned'], 'only a pending or assigned task can be (re)assigned; requeue it first (tt task requeue)');
      return { ...next, state: 'assigned', assignee: action.assignee };
    case 'claim':
      if (!isBacklog(task)) {
        if (task.assignee) refuse(task, 'claim', `${task.assignee} has it`);
        refuse(task, 'claim', 'only a pending task in the backlog can be claimed');
      }
      return { ...next, state: 'assigned', assignee: action.assignee };
    case 'start':
      requireState(task, 'start', ['assigned'], task.state === 'pending'
        ? 'assign or claim it first (tt backlog claim)'
        : 'only an assigned task can be started');
      return { ...next, state: 'running', started: task.started ?? now, branch: action.branch ?? task.branch };
    case 'complete':
      if (task.reviewer && isOpen(task)) {
        refuse(task, 'complete', `it has a reviewer (${task.reviewer}): hand it off with \`tt review ${task.id}\` and the reviewer approves it`);
      }
      requireState(task, 'complete', ['assigned', 'running']);
      return { ...next, state: 'completed', completed: now, result: action.result };
    case 'review':
      requireState(task, 'review', ['assigned', 'running'], task.state === 'review'
        ? `it is already waiting for ${task.reviewer ?? 'a reviewer'}`
        : 'only an assigned or running task can be handed to review');
      return { ...next, state: 'review', reviewer: action.reviewer, review_commit: action.reviewCommit ?? null };
    case 'approve':
      requireState(task, 'approve', ['review'], 'only a task in review can be approved (the worker hands off with `tt review`)');
      return {
        ...next, state: 'completed', completed: now, approved_by: action.approvedBy,
        reviewed_commit: action.reviewedCommit,
      };
    case 'reject':
      requireState(task, 'reject', ['review'], 'only a task in review can be rejected');
      return { ...next, state: 'assigned' };
    case 'fail':
      if (!isOpen(task)) refuse(task, 'fail', 'only an open task can fail');
      return { ...next, state: 'failed', completed: now, result: action.reason };
    case 'cancel':
      if (!isOpen(task)) refuse(task, 'cancel', 'only an open task can be cancelled');
      return { ...next, state: 'cancelled', completed: now };
    case 'release':
      requireState(task, 'release', ['running'], 'only a running task can be released back to assigned');
      return { ...next, state: 'assigned' };
    case 'requeue':
      requireState(task, 'requeue', ['failed', 'cancelled'], `only a failed or cancelled task can be requeued${task.state === 'completed' ? ' (a completed task stays completed; open a new one)' : ''}`);
      // Back to the backlog: anyone may claim it again.
      return { ...next, state: 'pending', assignee: null, started: null, completed: null, approved_by: null, reviewed_commit: null, review_commit: null };
  }
}
