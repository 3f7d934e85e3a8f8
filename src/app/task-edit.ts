/**
 * `tt task edit` and `tt task reassign`: read-modify-write of one task inside
 * the town lock (the re-read is what makes a racing edit safe), decided by the
 * pure functions of core/task-edit.ts, written once, with the messages the
 * change sends in the same commit.
 */
import { UsageError } from '../errors.js';
import { isoNow } from '../core/ids.js';
import { applyReassign, applyTaskEdit, editedFields, type TaskEdit } from '../core/task-edit.js';
import type { Task } from '../core/types.js';
import { formatTask } from '../store/records.js';
import { readTask, resolveTaskId } from '../store/reader.js';
import { townPaths } from '../store/paths.js';
import { transact } from './transaction.js';
import { resolveAgent } from './agents.js';
import { deliver, requireText } from './messages.js';
import { parsePriority, parseTags, type TaskResult } from './tasks.js';
import type { OpContext } from './context.js';

export interface EditOptions {
  title?: string | undefined;
  description?: string | undefined;
  priority?: string | undefined;
  /** Replaces the tags (comma-separated or repeated); an empty list clears them. */
  tags?: readonly string[] | undefined;
  /** An agent; the empty string removes the reviewer. */
  reviewer?: string | undefined;
}

export interface EditResult extends TaskResult {
  /** The fields that changed (title, reviewer, priority, tags, description); empty: nothing was written. */
  changed: string[];
}

/** The typed edit from what a person typed: names resolved, text checked, before the lock is taken. */
function parseEdit(ctx: OpContext, options: EditOptions): TaskEdit {
  const title = options.title === undefined ? undefined : requireText(options.title, 'the title (--title)').trim();
  if (title?.includes('\n')) throw new UsageError('the title (--title) is one line; the rest belongs in the description');
  return {
    title,
    body: options.description === undefined ? undefined : requireText(options.description, 'the description'),
    priority: options.priority === undefined ? undefined : parsePriority(options.priority),
    tags: options.tags === undefined ? undefined : parseTags(options.tags),
    reviewer: options.reviewer === undefined ? undefined : options.reviewer.trim() === '' ? null : resolveAgent(ctx.town, options.reviewer, 'reviewer'),
  };
}

export async function editTask(ctx: OpContext, idInput: string, options: EditOptions): Promise<EditResult> {
  const edit = parseEdit(ctx, options);
  const id = resolveTaskId(ctx.town.root, idInput);
  const { result, commit } = await transact(ctx.town, (writer) => {
    const before = readTask(ctx.town.root, id);
    const after = applyTaskEdit(before, edit, isoNow(ctx.now()));
    const changed = after ? editedFields(before, edit) : [];
    if (after) writer.write(townPaths.task(id), formatTask(after));
    return {
      result: { task: after ?? before, changed },
      change: { action: 'edit', agent: ctx.actor, task: id, summary: `${id} (${changed.join(', ')}): ${(after ?? before).title}` },
    };
  });
  return { ...result, commit };
}

/** What the new assignee is told: the task as a task_assign message says it. */
function assignmentText(task: Task, from: string | null): string {
  const head = task.body.trim() === task.title ? task.body : `${task.title}\n\n${task.body}`;
  return from ? `${head.trimEnd()}\n\n(reassigned from ${from})\n` : head;
}

/**
 * The task to another agent: the new assignee gets it as a task_assign
 * message, the old one is told (info), in the same commit; a running task
 * goes back to assigned.
 */
export async function reassignTask(ctx: OpContext, idInput: string, agentInput: string): Promise<TaskResult & { previous: string | null }> {
  const assignee = resolveAgent(ctx.town, agentInput);
  const id = resolveTaskId(ctx.town.root, idInput);
  const { result, commit } = await transact(ctx.town, (writer) => {
    const before = readTask(ctx.town.root, id);
    const after = applyReassign(before, assignee, isoNow(ctx.now()));
    writer.write(townPaths.task(id), formatTask(after));
    const messages = deliver(writer, {
      from: ctx.actor, type: 'task_assign', task: id, urgent: after.priority === 'urgent', body: assignmentText(after, before.assignee),
    }, [assignee], ctx.now());
    if (before.assignee && before.assignee !== ctx.actor) {
      messages.push(...deliver(writer, {
        from: ctx.actor, type: 'info', task: id,
        body: `${id} was reassigned to ${assignee} by ${ctx.actor}: ${after.title}\nStop work on it; ${assignee} takes it from here.\n`,
      }, [before.assignee], ctx.now()));
    }
    return {
      result: { task: after, previous: before.assignee },
      change: {
        action: 'reassign', agent: ctx.actor, task: id, messages: messages.map((m) => m.id),
        summary: `${id} from ${before.assignee ?? 'nobody'} to ${assignee}: ${after.title}`,
      },
    };
  });
  return { ...result, commit };
}
