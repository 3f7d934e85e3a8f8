/**
 * Is a task's state change, made by editing its file by hand, one the life
 * cycle allows? Answered by asking the life cycle itself (applyTaskAction)
 * with one probe per action, rather than restating its rules here, so the
 * commands and the hand edits can never disagree about what is legal.
 */
import { ConflictError } from '../errors.js';
import { TASK_STATES, type Task, type TaskState } from './types.js';
import { applyTaskAction, type TaskAction } from './transitions.js';

/**
 * One probe per action kind. The mapped type makes a new action kind a
 * compile error here until it has a probe. The argument values do not matter:
 * legality depends on the task, not on who is assigned or what the result says.
 */
const PROBES: { readonly [K in TaskAction['kind']]: Extract<TaskAction, { kind: K }> } = {
  assign: { kind: 'assign', assignee: 'probe' },
  claim: { kind: 'claim', assignee: 'probe' },
  start: { kind: 'start' },
  complete: { kind: 'complete', result: 'probe' },
  review: { kind: 'review', reviewer: 'probe' },
  approve: { kind: 'approve', approvedBy: 'probe', reviewedCommit: null },
  reject: { kind: 'reject' },
  fail: { kind: 'fail', reason: 'probe' },
  cancel: { kind: 'cancel' },
  requeue: { kind: 'requeue' },
  release: { kind: 'release' },
};

function stateAfter(before: Task, action: TaskAction): TaskState | undefined {
  try {
    return applyTaskAction(before, action, before.updated).state;
  } catch (error) {
    if (error instanceof ConflictError) return undefined;
    throw error;
  }
}

/** The actions that take `before` to state `to` (empty when none does). */
export function actionsBetween(before: Task, to: TaskState): Array<TaskAction['kind']> {
  return Object.values(PROBES).filter((action) => stateAfter(before, action) === to).map((action) => action.kind);
}

/** Staying in the same state is always legal (an edit of other fields); a change needs an action that makes it. */
export function isLegalStateChange(before: Task, to: TaskState): boolean {
  return before.state === to || actionsBetween(before, to).length > 0;
}

/** The states `before` may move to, in life-cycle order. */
export function nextStates(before: Task): TaskState[] {
  return TASK_STATES.filter((state) => state !== before.state && actionsBetween(before, state).length > 0);
}

/** Why a change is refused, naming the current state and where it may go instead. */
export function illegalStateChangeReason(before: Task, to: TaskState): string {
  const allowed = nextStates(before);
  const reviewerNote = before.reviewer && to === 'completed' && before.state !== 'review'
    ? ` (it has a reviewer, ${before.reviewer}: it goes to review first and the reviewer approves it)`
    : '';
  return `state ${before.state} → ${to} is not a legal move${reviewerNote}; from ${before.state} a task may become ${allowed.length ? allowed.join(', ') : 'nothing else'}`;
}
