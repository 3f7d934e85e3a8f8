/**
 * Editing a task's description fields and handing it to someone else, as pure
 * functions from a task to its next version (like transitions.ts): only an
 * open task changes; a refusal names the state and the command that helps.
 * An edit that would change nothing returns undefined, so nothing is written
 * or committed.
 */
import { ConflictError } from '../errors.js';
import { isOpen } from './transitions.js';
import type { Priority, Task } from './types.js';

/** The fields `tt task edit` may set; an absent field is left as it is, `reviewer: null` removes the reviewer. */
export interface TaskEdit {
  title?: string | undefined;
  body?: string | undefined;
  priority?: Priority | undefined;
  tags?: readonly string[] | undefined;
  reviewer?: string | null | undefined;
}

function refuseClosed(task: Task, verb: string, hint: string): void {
  if (!isOpen(task)) {
    throw new ConflictError(`cannot ${verb} ${task.id}: it is ${task.state}; only an open task (pending, assigned, running, review) can be ${verb === 'edit' ? 'edited' : `${verb}ed`}${hint}`);
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/** The names of the fields the edit changes, in the task file's order. */
export function editedFields(task: Task, edit: TaskEdit): string[] {
  const fields: string[] = [];
  if (edit.title !== undefined && edit.title !== task.title) fields.push('title');
  if (edit.reviewer !== undefined && edit.reviewer !== task.reviewer) fields.push('reviewer');
  if (edit.priority !== undefined && edit.priority !== task.priority) fields.push('priority');
  if (edit.tags !== undefined && !sameList(edit.tags, task.tags)) fields.push('tags');
  if (edit.body !== undefined && edit.body !== task.body) fields.push('description');
  return fields;
}

/** The edited task, or undefined when the edit changes nothing. */
export function applyTaskEdit(task: Task, edit: TaskEdit, now: string): Task | undefined {
  refuseClosed(task, 'edit', task.state === 'failed' || task.state === 'cancelled' ? ` (tt task requeue ${task.id} reopens it)` : '');
  // The reviewer of a task in review has its review request; another would never hear of it.
  if (task.state === 'review' && edit.reviewer !== undefined && edit.reviewer !== task.reviewer) {
    throw new ConflictError(`cannot change the reviewer of ${task.id}: it is in review with ${task.reviewer ?? 'a reviewer'}; approve or reject it first (tt approve / tt reject)`);
  }
  if (editedFields(task, edit).length === 0) return undefined;
  return {
    ...task,
    extra: { ...task.extra },
    title: edit.title ?? task.title,
    body: edit.body ?? task.body,
    priority: edit.priority ?? task.priority,
    tags: edit.tags ? [...edit.tags] : [...task.tags],
    reviewer: edit.reviewer === undefined ? task.reviewer : edit.reviewer,
    updated: now,
  };
}

/**
 * The task handed to `assignee`: a running task goes back to assigned (the
 * new assignee starts it), a pending one becomes assigned, one in review stays
 * in review (its reviewer has it; the new assignee gets the outcome).
 */
export function applyReassign(task: Task, assignee: string, now: string): Task {
  refuseClosed(task, 'reassign', task.state === 'failed' || task.state === 'cancelled' ? ` (tt task requeue ${task.id}, then tt backlog claim)` : '');
  if (task.assignee === assignee) {
    throw new ConflictError(`cannot reassign ${task.id}: ${assignee} has it already (it is ${task.state})`);
  }
  const state = task.state === 'review' ? 'review' : 'assigned';
  return { ...task, tags: [...task.tags], extra: { ...task.extra }, assignee, state, started: state === 'assigned' ? null : task.started, updated: now };
}
