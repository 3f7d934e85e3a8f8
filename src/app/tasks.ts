/** Tasks: creating, assigning, the life-cycle commands and the backlog. */
import { ConflictError, UsageError } from '../errors.js';
import { isoNow, newTaskId } from '../core/ids.js';
import { applyTaskAction, isBacklog, type TaskAction } from '../core/transitions.js';
import { CONDUCTOR, PRIORITIES, TASK_STATES, type MessageType, type Priority, type Task, type TaskState } from '../core/types.js';
import { formatTask } from '../store/records.js';
import { listTasks, readTask, resolveTaskId, viewTasks, type FolderView, type Listing, type ViewResult } from '../store/reader.js';
import { townPaths } from '../store/paths.js';
import { transact, type CommitOutcome, type TownWriter, type Trailer } from './transaction.js';
import type { Town } from '../store/town.js';
import { resolveAgent } from './agents.js';
import { deliver, requireText } from './messages.js';
import { releaseTaskReservations } from './reservations.js';
import type { OpContext } from './context.js';

export interface TaskResult {
  task: Task;
  commit: CommitOutcome;
}

export interface NewTaskOptions {
  description: string;
  title?: string | undefined;
  priority?: string | undefined;
  tags?: readonly string[] | undefined;
  reviewer?: string | undefined;
  parent?: string | undefined;
}

export function titleFrom(description: string): string {
  const firstLine = description.trim().split('\n')[0]!.trim();
  return firstLine.length > 72 ? `${firstLine.slice(0, 71)}…` : firstLine;
}

export function parsePriority(value: string | undefined): Priority {
  if (value === undefined) return 'normal';
  if ((PRIORITIES as readonly string[]).includes(value)) return value as Priority;
  throw new UsageError(`unknown priority "${value}": use one of ${PRIORITIES.join(', ')}`);
}

export function parseTags(tags: readonly string[] | undefined): string[] {
  const flat = (tags ?? []).flatMap((tag) => tag.split(',')).map((tag) => tag.trim()).filter(Boolean);
  for (const tag of flat) {
    if (!/^[\w.:/-]{1,40}$/.test(tag)) throw new UsageError(`illegal tag "${tag}": letters, digits and _ . : / - only, at most 40`);
  }
  return [...new Set(flat)];
}

function newTask(ctx: OpContext, options: NewTaskOptions, state: TaskState, assignee: string | null): Task {
  const body = requireText(options.description, 'the task description');
  const now = isoNow(ctx.now());
  const title = options.title?.trim() || titleFrom(body);
  return {
    id: newTaskId(), title, state, assignee,
    reviewer: options.reviewer ? resolveAgent(ctx.town, options.reviewer, 'reviewer') : null,
    priority: parsePriority(options.priority), tags: parseTags(options.tags),
    parent: options.parent ? resolveTaskId(ctx.town.root, options.parent) : null,
    created: now, updated: now, started: null, completed: null, result: null, approved_by: null, reviewed_commit: null,
    branch: null, review_commit: null, usage: null,
    body, extra: {},
  };
}

/** What a task_assign message says: the title, then the description when it says more. */
function assignmentText(task: Task): string {
  return task.body.trim() === task.title ? task.body : `${task.title}\n\n${task.body}`;
}

/** `tt assign`: a new task for an agent, plus a `task_assign` message in its inbox, in one commit. */
export async function assignTask(ctx: OpContext, assigneeInput: string, options: NewTaskOptions): Promise<TaskResult> {
  const assignee = resolveAgent(ctx.town, assigneeInput);
  const task = newTask(ctx, options, 'assigned', assignee);
  const { commit } = await transact(ctx.town, (writer) => {
    writer.write(townPaths.task(task.id), formatTask(task));
    const [message] = deliver(writer, {
      from: ctx.actor, type: 'task_assign', task: task.id, urgent: task.priority === 'urgent',
      body: assignmentText(task),
    }, [assignee], ctx.now());
    return { result: task, change: { action: 'assign', agent: ctx.actor, summary: `${task.id} to ${assignee}: ${task.title}`, task: task.id, messages: [message!.id] } };
  });
  return { task, commit };
}

export async function addToBacklog(ctx: OpContext, options: NewTaskOptions): Promise<TaskResult> {
  const task = newTask(ctx, options, 'pending', null);
  const { commit } = await transact(ctx.town, (writer) => {
    writer.write(townPaths.task(task.id), formatTask(task));
    return { result: task, change: { action: 'backlog-add', agent: ctx.actor, summary: `${task.id}: ${task.title}`, task: task.id } };
  });
  return { task, commit };
}

/** A message that tells someone about a task change, sent in the same commit. */
export interface Notice {
  to: readonly string[];
  type: MessageType;
  body: string;
  urgent?: boolean;
}

export interface UpdateOptions {
  action: TaskAction;
  /** The commit's `Tinytown-Action` (defaults to the task action's kind). */
  commitAction?: string;
  summary?: (task: Task) => string;
  /** Checks that need the current task (who may do this), run inside the lock. */
  authorize?: (task: Task) => void;
  notify?: (before: Task, after: Task) => Notice[];
  trailers?: (after: Task) => Trailer[];
}

/** Read-modify-write of one task inside the town lock: the re-read is what makes racing claims safe. */
export async function updateTask(ctx: OpContext, idInput: string, options: UpdateOptions): Promise<TaskResult> {
  const id = resolveTaskId(ctx.town.root, idInput);
  const { result, commit } = await transact(ctx.town, (writer) => {
    const before = readTask(ctx.town.root, id);
    options.authorize?.(before);
    const after = applyTaskAction(before, options.action, isoNow(ctx.now()));
    writer.write(townPaths.task(id), formatTask(after));
    releaseTaskReservations(writer, ctx.town, after);
    const messages = notifyAll(writer, ctx, after, options.notify?.(before, after) ?? []);
    const action = options.commitAction ?? options.action.kind;
    return {
      result: after,
      change: {
        action, agent: ctx.actor, task: id, messages,
        summary: options.summary?.(after) ?? `${id}: ${after.title}`,
        trailers: options.trailers?.(after) ?? [],
      },
    };
  });
  return { task: result, commit };
}

function notifyAll(writer: TownWriter, ctx: OpContext, task: Task, notices: Notice[]): string[] {
  const ids: string[] = [];
  for (const notice of notices) {
    // Nobody is told about their own action.
    const recipients = notice.to.filter((name) => name !== ctx.actor);
    if (recipients.length === 0) continue;
    for (const message of deliver(writer, { from: ctx.actor, type: notice.type, task: task.id, body: notice.body, urgent: notice.urgent ?? false }, recipients, ctx.now())) {
      ids.push(message.id);
    }
  }
  return ids;
}

/** The conductor hears about finished and failed work unless it did the finishing. */
function tellConductor(ctx: OpContext, type: MessageType, body: string): Notice[] {
  return ctx.actor === CONDUCTOR ? [] : [{ to: [CONDUCTOR], type, body }];
}

export function startTask(ctx: OpContext, id: string): Promise<TaskResult> {
  return updateTask(ctx, id, { action: { kind: 'start' } });
}

export function completeTask(ctx: OpContext, id: string, resultText: string): Promise<TaskResult> {
  const result = requireText(resultText, 'the result (--result)').trim();
  return updateTask(ctx, id, {
    action: { kind: 'complete', result },
    notify: (_, task) => tellConductor(ctx, 'task_done', `${task.id} completed: ${task.title}\n\n${result}`),
  });
}

export function failTask(ctx: OpContext, id: string, reason: string): Promise<TaskResult> {
  const text = requireText(reason, 'the reason (--reason)').trim();
  return updateTask(ctx, id, {
    action: { kind: 'fail', reason: text },
    notify: (_, task) => tellConductor(ctx, 'task_failed', `${task.id} failed: ${task.title}\n\n${text}`),
  });
}

export function cancelTask(ctx: OpContext, id: string): Promise<TaskResult> {
  return updateTask(ctx, id, {
    action: { kind: 'cancel' },
    notify: (before, task) => (before.assignee ? [{ to: [before.assignee], type: 'info', body: `${task.id} was cancelled by ${ctx.actor}: ${task.title}` }] : []),
  });
}

export function requeueTask(ctx: OpContext, id: string): Promise<TaskResult> {
  return updateTask(ctx, id, { action: { kind: 'requeue' } });
}

export function claimTask(ctx: OpContext, id: string, agentInput: string): Promise<TaskResult> {
  const assignee = resolveAgent(ctx.town, agentInput);
  return updateTask(ctx, id, {
    action: { kind: 'claim', assignee },
    summary: (task) => `${task.id} for ${assignee}: ${task.title}`,
    // The new assignee hears of it as of any assignment: a running agent wakes up and `tt wait` waits for it.
    notify: (_, task) => [{ to: [assignee], type: 'task_assign', urgent: task.priority === 'urgent', body: assignmentText(task) }],
  });
}

export interface TaskFilter {
  state?: string | undefined;
  agent?: string | undefined;
}

export function findTasks(town: Town, filter: TaskFilter = {}, shown: (tasks: Task[]) => Task[] = (tasks) => tasks): Listing<Task> {
  const states = filter.state ? filter.state.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  const unknown = states?.filter((state) => !(TASK_STATES as readonly string[]).includes(state)) ?? [];
  if (unknown.length > 0) throw new UsageError(`unknown task state "${unknown[0]}": use ${TASK_STATES.join(', ')} (comma-separated)`);
  const agent = filter.agent ? resolveAgent(town, filter.agent) : undefined;
  const listing = listTasks(town.root);
  // `shown` picks the version of each task to show (refused hand edits undone) before anything is filtered on it.
  const items = shown(listing.items)
    .filter((task) => !states || states.includes(task.state))
    .filter((task) => !agent || task.assignee === agent || task.reviewer === agent && task.state === 'review')
    .sort(byPriorityThenAge);
  return { items, problems: listing.problems };
}

/**
 * All tasks in findTasks' order as text rendered by `view` (the JSON a command
 * prints), cached with the tasks: while none of their files changed, no task is parsed.
 */
export function viewAllTasks(town: Town, view: FolderView<Task>): ViewResult {
  return viewTasks(town.root, { id: view.id, render: (tasks) => view.render(tasks.sort(byPriorityThenAge)) });
}

const PRIORITY_RANK: Record<Priority, number> = { urgent: 0, high: 1, normal: 2, low: 3 };
function byPriorityThenAge(a: Task, b: Task): number {
  return PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || a.created.localeCompare(b.created) || a.id.localeCompare(b.id);
}

/** The task an agent is on: its running task, else its oldest assigned one. */
export function currentTask(town: Town, agent: string): Task | undefined {
  const mine = listTasks(town.root).items.filter((task) => task.assignee === agent);
  return mine.find((task) => task.state === 'running') ?? mine.filter((task) => task.state === 'assigned').sort(byPriorityThenAge)[0];
}

export function backlog(town: Town): Listing<Task> {
  const listing = listTasks(town.root);
  return { items: listing.items.filter(isBacklog).sort(byPriorityThenAge), problems: listing.problems };
}

/** Hands every backlog task to one agent in a single commit. */
export async function assignBacklog(ctx: OpContext, agentInput: string): Promise<{ tasks: Task[]; commit: CommitOutcome }> {
  const assignee = resolveAgent(ctx.town, agentInput);
  const { result, commit } = await transact(ctx.town, (writer) => {
    const now = isoNow(ctx.now());
    const claimed = backlog(ctx.town).items.map((task) => applyTaskAction(task, { kind: 'claim', assignee }, now));
    for (const task of claimed) writer.write(townPaths.task(task.id), formatTask(task));
    const messages = claimed.length === 0 ? [] : deliver(writer, {
      from: ctx.actor, type: 'task_assign',
      body: `${claimed.length} task${claimed.length === 1 ? '' : 's'} from the backlog:\n\n${claimed.map((t) => `- ${t.id} ${t.title}`).join('\n')}`,
    }, [assignee], ctx.now());
    return { result: claimed, change: { action: 'assign', agent: ctx.actor, summary: `${claimed.length} backlog tasks to ${assignee}`, messages: messages.map((m) => m.id) } };
  });
  return { tasks: result, commit };
}

export async function removeFromBacklog(ctx: OpContext, idInput: string): Promise<TaskResult> {
  const id = resolveTaskId(ctx.town.root, idInput);
  const { result, commit } = await transact(ctx.town, (writer) => {
    const task = readTask(ctx.town.root, id);
    if (!isBacklog(task)) throw new ConflictError(`cannot remove ${id} from the backlog: it is ${task.state}${task.assignee ? ` (assignee ${task.assignee})` : ''}; use tt task cancel`);
    writer.remove(townPaths.task(id));
    return { result: task, change: { action: 'backlog-remove', agent: ctx.actor, summary: `${id}: ${task.title}`, task: id } };
  });
  return { task: result, commit };
}
