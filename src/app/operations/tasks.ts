/**
 * The task operations every face offers (`tt assign`, `tt task …`, `tt backlog …`,
 * `tt review|approve|reject`; the MCP tools and the board's buttons of the same
 * names): typed input in, an Answer out. Each resolves names and ids, makes one
 * call into the domain operations (../tasks.ts, ../review.ts) and shapes the
 * document `tt --json` prints.
 */
import { NotFoundError, UsageError } from '../../errors.js';
import type { Priority, Task } from '../../core/types.js';
import { readTask, resolveTaskId } from '../../store/reader.js';
import { readTownLog, type TownEvent } from '../../git/log.js';
import { commitNotes, problemNotes, type Answer } from '../answer.js';
import { eventJson, taskJson } from '../json.js';
import { resolveAgent } from '../agents.js';
import { reservationWarnings } from '../reservations.js';
import { cancelTaskAndCheckout, startTaskOnBranch } from '../worktrees.js';
import { pathsNamedIn } from '../../core/reservations.js';
import { withoutRefusedEdits } from '../refused-edits.js';
import { approveTask, rejectTask, requestReview } from '../review.js';
import type { Session } from '../session.js';
import {
  addToBacklog, assignBacklog, assignTask, backlog, claimTask, completeTask, currentTask, failTask,
  findTasks, parsePriority, parseTags, removeFromBacklog, requeueTask, type TaskResult,
} from '../tasks.js';
import { editTask, reassignTask, type EditOptions, type EditResult } from '../task-edit.js';

export type TaskAnswer = Answer<Task>;
export type TaskListAnswer = Answer<Task[]>;

export function taskAnswer({ task, commit }: TaskResult): TaskAnswer {
  return { kind: 'task', payload: { task: taskJson(task) }, notes: commitNotes(commit), data: task };
}

function taskListAnswer(tasks: Task[], notes: string[]): TaskListAnswer {
  return { kind: 'task-list', payload: { tasks: tasks.map(taskJson) }, notes, data: tasks };
}

export interface NewTaskInput {
  description: string;
  title?: string | undefined;
  priority?: Priority | string | undefined;
  tags?: readonly string[] | undefined;
}

export interface AssignInput extends NewTaskInput {
  agent: string;
  reviewer?: string | undefined;
}

export async function assign(session: Session, input: AssignInput): Promise<TaskAnswer> {
  const { agent, ...task } = input;
  const answer = taskAnswer(await assignTask(session.op(), agent, task));
  // Reserved paths the description names: a warning, not a refusal (DESIGN §6).
  const warnings = reservationWarnings(session.town(), pathsNamedIn(answer.data.body), answer.data.assignee ?? '', session.now());
  return { ...answer, notes: [...answer.notes, ...warnings] };
}

export async function addBacklogTask(session: Session, input: NewTaskInput): Promise<TaskAnswer> {
  return taskAnswer(await addToBacklog(session.op(), input));
}

export function listBacklog(session: Session): TaskListAnswer {
  const listing = backlog(session.town());
  return taskListAnswer(listing.items, problemNotes(listing.problems));
}

export interface ClaimInput {
  id: string;
  agent: string;
}

export async function claimBacklogTask(session: Session, input: ClaimInput): Promise<TaskAnswer> {
  return taskAnswer(await claimTask(session.op(), input.id, input.agent));
}

export async function assignWholeBacklog(session: Session, input: { agent: string }): Promise<TaskListAnswer> {
  const { tasks, commit } = await assignBacklog(session.op(), input.agent);
  return taskListAnswer(tasks, commitNotes(commit));
}

export async function removeBacklogTask(session: Session, input: { id: string }): Promise<TaskAnswer> {
  return taskAnswer(await removeFromBacklog(session.op(), input.id));
}

export interface TaskListInput {
  /** Comma-separated states. */
  state?: string | undefined;
  agent?: string | undefined;
  /** Only tasks with this tag (comma-separated: any of them). */
  tag?: string | undefined;
  /** Comma-separated priorities. */
  priority?: string | undefined;
  /** Only tasks this agent reviews. */
  reviewer?: string | undefined;
}

/** Whether a listing asks for anything beyond every task. */
export function isFiltered(input: TaskListInput): boolean {
  return [input.state, input.agent, input.tag, input.priority, input.reviewer].some((value) => value !== undefined);
}

export function listTasks(session: Session, input: TaskListInput): TaskListAnswer {
  const town = session.town();
  const tags = input.tag === undefined ? undefined : parseTags([input.tag]);
  if (tags?.length === 0) throw new UsageError('--tag needs a tag');
  const priorities = input.priority === undefined ? undefined : input.priority.split(',').map((p) => parsePriority(p.trim()));
  const reviewer = input.reviewer === undefined ? undefined : resolveAgent(town, input.reviewer, 'reviewer');
  let notes: string[] = [];
  // The version of each task to show (a refused hand edit undone) comes before any filter looks at it.
  const listing = findTasks(town, { state: input.state, agent: input.agent }, (tasks) => {
    const shown = withoutRefusedEdits(town, tasks);
    notes = shown.notes;
    return shown.tasks;
  });
  const items = listing.items.filter((task) => (!tags || task.tags.some((tag) => tags.includes(tag)))
    && (!priorities || priorities.includes(task.priority))
    && (!reviewer || task.reviewer === reviewer));
  return taskListAnswer(items, [...problemNotes(listing.problems), ...notes]);
}

export interface TaskEditInput extends EditOptions {
  id: string;
}

/** `tt task edit`: the answer's notes say when nothing changed (and so nothing was committed). */
export async function edit(session: Session, input: TaskEditInput): Promise<Answer<EditResult>> {
  const { id, ...options } = input;
  if (Object.values(options).every((value) => value === undefined)) {
    throw new UsageError('nothing to edit: give --title, --description (or --body-file), --priority, --tags or --reviewer');
  }
  const result = await editTask(session.op(), id, options);
  const notes = result.changed.length === 0 ? [`note: ${result.task.id} already says that: nothing changed, nothing committed`] : commitNotes(result.commit);
  return { kind: 'task', payload: { task: taskJson(result.task), changed: result.changed }, notes, data: result };
}

export async function reassign(session: Session, input: { id: string; agent: string }): Promise<Answer<Task & { previous: string | null }>> {
  const { task, previous, commit } = await reassignTask(session.op(), input.id, input.agent);
  return { kind: 'task', payload: { task: taskJson(task), previous_assignee: previous }, notes: commitNotes(commit), data: { ...task, previous } };
}

export interface TaskShowInput {
  id: string;
  /** Also the task's timeline from git. */
  history?: boolean | undefined;
}

export async function showTask(session: Session, input: TaskShowInput): Promise<Answer<{ task: Task; history: TownEvent[] | undefined }>> {
  const town = session.town();
  const onDisk = readTask(town.root, resolveTaskId(town.root, input.id));
  const { tasks: [task], notes } = withoutRefusedEdits(town, [onDisk]);
  if (!task) throw new NotFoundError(`${onDisk.id} exists only as a hand edit tt refused: ${notes[0] ?? ''}`);
  if (!input.history) return { kind: 'task', payload: { task: taskJson(task) }, notes, data: { task, history: undefined } };
  const history = await readTownLog({ root: town.root, task: task.id, reverse: true });
  return { kind: 'task', payload: { task: taskJson(task), history: history.map(eventJson) }, notes, data: { task, history } };
}

/** The task an agent is on: its running task, else its oldest assigned one. */
export function showCurrentTask(session: Session, input: { agent?: string | undefined }): TaskAnswer {
  const ctx = session.op();
  const agent = input.agent ? resolveAgent(ctx.town, input.agent) : ctx.actor;
  const task = currentTask(ctx.town, agent);
  if (!task) throw new NotFoundError(`${agent} has no assigned or running task (tt task list --agent ${agent})`);
  return { kind: 'task', payload: { task: taskJson(task) }, notes: [], data: task };
}

export async function start(session: Session, input: { id: string }): Promise<TaskAnswer> {
  return taskAnswer(await startTaskOnBranch(session.op(), input.id));
}

export async function complete(session: Session, input: { id: string; result: string }): Promise<TaskAnswer> {
  return taskAnswer(await completeTask(session.op(), input.id, input.result));
}

export async function fail(session: Session, input: { id: string; reason: string }): Promise<TaskAnswer> {
  return taskAnswer(await failTask(session.op(), input.id, input.reason));
}

export async function cancel(session: Session, input: { id: string }): Promise<TaskAnswer> {
  return taskAnswer(await cancelTaskAndCheckout(session.op(), input.id));
}

export async function requeue(session: Session, input: { id: string }): Promise<TaskAnswer> {
  return taskAnswer(await requeueTask(session.op(), input.id));
}

export interface ReviewInput {
  id: string;
  to?: string | undefined;
  message?: string | undefined;
  cc?: readonly string[] | undefined;
}

export async function review(session: Session, input: ReviewInput): Promise<TaskAnswer> {
  const { id, ...options } = input;
  return taskAnswer(await requestReview(session.op(), id, { ...options, cc: options.cc ?? [] }));
}

export interface ApproveInput {
  id: string;
  message?: string | undefined;
  cc?: readonly string[] | undefined;
}

export async function approve(session: Session, input: ApproveInput): Promise<TaskAnswer> {
  return taskAnswer(await approveTask(session.op(), input.id, { message: input.message, cc: input.cc ?? [] }));
}

export interface RejectInput {
  id: string;
  reason: string;
  cc?: readonly string[] | undefined;
}

export async function reject(session: Session, input: RejectInput): Promise<TaskAnswer> {
  return taskAnswer(await rejectTask(session.op(), input.id, { reason: input.reason, cc: input.cc ?? [] }));
}
