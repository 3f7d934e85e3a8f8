/**
 * What the board shows, read from the town's files (and git for history) on
 * each request. Parsed tasks and messages are memoised by stat (file-memo.ts),
 * so a refresh at 10,000 tasks re-reads only what changed; every list the page
 * gets is a page of it (a column's newest tasks, an inbox's newest messages),
 * never the whole town.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { OPEN_TASK_STATES, type Agent, type Message, type Task, type TaskState } from '../core/types.js';
import { MESSAGE_ID_PATTERN } from '../core/ids.js';
import { readTownLog, type TownEvent } from '../git/log.js';
import { currentTasks } from '../app/status.js';
import { townPaths } from '../store/paths.js';
import { listAgents, listInboxOwners, markdownFiles, resolveTaskId, type Problem } from '../store/reader.js';
import { parseMessage, parseTask } from '../store/records.js';
import { readAgentRuntime } from '../store/runtime.js';
import type { Town } from '../store/town.js';
import { eventJson, messageJson, taskJson } from '../app/json.js';
import { NotFoundError, UsageError } from '../errors.js';
import { FileMemo } from './file-memo.js';
import { InboxIndex } from './inbox-index.js';

/** The board's columns, left to right; failed and cancelled share the last one. */
export const BOARD_COLUMNS: ReadonlyArray<{ key: string; title: string; states: readonly TaskState[] }> = [
  { key: 'pending', title: 'Pending', states: ['pending'] },
  { key: 'assigned', title: 'Assigned', states: ['assigned'] },
  { key: 'running', title: 'Running', states: ['running'] },
  { key: 'review', title: 'Review', states: ['review'] },
  { key: 'completed', title: 'Completed', states: ['completed'] },
  { key: 'closed', title: 'Failed / cancelled', states: ['failed', 'cancelled'] },
];

export interface Page {
  offset: number;
  limit: number;
}

/** The fields a board card needs (the description stays on the task's page). */
function taskCard(task: Task): Record<string, unknown> {
  return {
    id: task.id, title: task.title, state: task.state, assignee: task.assignee, reviewer: task.reviewer,
    priority: task.priority, tags: task.tags, created: task.created, updated: task.updated,
    approved_by: task.approved_by, reviewed_commit: task.reviewed_commit,
  };
}

/** History entries carry the reviewed commit of an approval (a trailer) besides the CLI's event fields. */
function timelineEntry(event: TownEvent): Record<string, unknown> {
  return { ...eventJson(event), reviewed_commit: event.trailers['Tinytown-Reviewed-Commit']?.[0] ?? null, reason: event.trailers['Tinytown-Reason']?.[0] ?? null };
}

function byNewestUpdate(a: Task, b: Task): number {
  return a.updated < b.updated ? 1 : a.updated > b.updated ? -1 : a.id < b.id ? -1 : 1;
}

/**
 * How long a listing of tasks/ is reused when no change was heard there. The
 * watch normally says when to list again; this bounds how stale a missed event
 * (a folder replaced under the watch) can leave the board.
 */
const TASK_LISTING_TRUST_MS = 3_000;
/** Parsed messages kept at most (each shown message is one); beyond it the memo starts afresh. */
const MESSAGE_MEMO_ENTRIES = 20_000;
/** A task's page shows this many of its events, newest first. */
const TASK_TIMELINE_LENGTH = 200;
const TIMELINE_CACHE_ENTRIES = 500;

export class TownReadModel {
  private readonly tasks: FileMemo<Task>;
  private readonly messages: FileMemo<Message>;
  private taskListing: { at: number; tasks: Task[]; problems: Problem[] } | undefined;
  readonly inboxes: InboxIndex;
  /** Bumped when git's reflog changes (a commit, a pull): timelines read from git are reused until then. */
  private historyVersion = 0;
  private readonly timelines = new Map<string, { version: number; events: TownEvent[] }>();

  constructor(private readonly town: Town) {
    this.tasks = new FileMemo(town.root, parseTask);
    this.messages = new FileMemo(town.root, parseMessage, MESSAGE_MEMO_ENTRIES);
    this.inboxes = new InboxIndex(town.root);
  }

  historyChanged(): void {
    this.historyVersion++;
  }

  /** The town's log (newest first), or a task's: one `git log` per change of history, not per request. */
  private async townLog(task: string | null, limit: number): Promise<TownEvent[]> {
    const key = `${task ?? ''}#${limit}`;
    const known = this.timelines.get(key);
    if (known?.version === this.historyVersion) return known.events;
    const version = this.historyVersion;
    const events = await readTownLog({ root: this.town.root, limit, ...(task ? { task } : {}) });
    if (this.timelines.size > TIMELINE_CACHE_ENTRIES) this.timelines.clear();
    this.timelines.set(key, { version, events });
    return events;
  }

  /** The watch heard a change in tasks/: the next request lists the folder again (each file still checked by stat). */
  tasksChanged(): void {
    this.taskListing = undefined;
  }

  private allTasks(now = Date.now()): { tasks: Task[]; problems: Problem[] } {
    if (this.taskListing && now - this.taskListing.at < TASK_LISTING_TRUST_MS) return this.taskListing;
    const problems: Problem[] = [];
    const files = markdownFiles(this.town.root, townPaths.tasksDir, problems);
    const listing = this.tasks.readAll(files);
    this.taskListing = { at: now, tasks: listing.items, problems: [...problems, ...listing.problems] };
    return this.taskListing;
  }

  private agentCard(agent: Agent, currentTask: ReadonlyMap<string, Task>): Record<string, unknown> {
    const runtime = readAgentRuntime(this.town.root, agent.name);
    const current = currentTask.get(agent.name);
    return {
      name: agent.name, role: agent.role, cli: agent.cli, nickname: agent.nickname,
      state: runtime.state, alive: runtime.alive, rounds: runtime.rounds, heartbeat: runtime.heartbeat,
      last_activity: runtime.last_activity, reason: runtime.reason, usage: runtime.usage,
      current_task: current ? { id: current.id, title: current.title, state: current.state } : null,
      ...this.inboxes.summary(agent.name),
    };
  }

  agents(): Record<string, unknown> {
    const agents = listAgents(this.town.root);
    const { tasks } = this.allTasks();
    const current = currentTasks(tasks);
    return { agents: agents.items.map((agent) => this.agentCard(agent, current)), problems: agents.problems };
  }

  /** Everything the first view needs: agents, each column's first page, counts and problems. */
  board(perColumn: number): Record<string, unknown> {
    const agents = listAgents(this.town.root);
    const { tasks, problems } = this.allTasks();
    const columns = BOARD_COLUMNS.map((column) => this.columnOf(tasks, column.key, { offset: 0, limit: perColumn }));
    const current = currentTasks(tasks);
    return {
      town: { name: this.town.config.name, root: this.town.root },
      agents: agents.items.map((agent) => this.agentCard(agent, current)),
      columns,
      open: tasks.filter((task) => OPEN_TASK_STATES.includes(task.state)).length,
      total: tasks.length,
      problems: [...agents.problems, ...problems],
    };
  }

  column(key: string, page: Page): Record<string, unknown> {
    return this.columnOf(this.allTasks().tasks, key, page);
  }

  private columnOf(tasks: readonly Task[], key: string, page: Page): Record<string, unknown> {
    const column = BOARD_COLUMNS.find((candidate) => candidate.key === key);
    if (!column) throw new UsageError(`"${key}" is not a board column (${BOARD_COLUMNS.map((c) => c.key).join(', ')})`);
    const inColumn = tasks.filter((task) => column.states.includes(task.state)).sort(byNewestUpdate);
    return {
      key, title: column.title, total: inColumn.length, offset: page.offset,
      tasks: inColumn.slice(page.offset, page.offset + page.limit).map(taskCard),
    };
  }

  /** A page of an agent's unread mail, newest first, with the folder's counts. */
  inbox(agent: string, page: Page): Record<string, unknown> {
    const dir = townPaths.inbox(agent);
    const messages: Record<string, unknown>[] = [];
    const problems: Problem[] = [];
    for (const name of this.inboxes.page(agent, page.offset, page.limit)) {
      const outcome = this.messages.read(`${dir}/${name}`);
      if (!outcome) continue;
      if ('value' in outcome) messages.push(messageJson(outcome.value));
      else problems.push(outcome.problem);
    }
    return { agent, ...this.inboxes.summary(agent), offset: page.offset, messages, problems };
  }

  /** One task: its fields and description, its timeline from git, and the messages that timeline names. */
  async task(idInput: string): Promise<Record<string, unknown>> {
    const id = resolveTaskId(this.town.root, idInput);
    const outcome = this.tasks.read(townPaths.task(id));
    if (!outcome) throw new NotFoundError(`no task ${id} (tt task list shows the tasks)`);
    if ('problem' in outcome) throw new NotFoundError(`${outcome.problem.file}: ${outcome.problem.message}`);
    const events = await this.townLog(id, TASK_TIMELINE_LENGTH);
    const messageIds = [...new Set(events.flatMap((event) => event.messages))].filter((m) => MESSAGE_ID_PATTERN.test(m));
    return { task: taskJson(outcome.value), timeline: events.map(timelineEntry), messages: this.findMessages(messageIds) };
  }

  /** Messages by id, wherever they are now (unread or read, any inbox), oldest first. */
  private findMessages(ids: readonly string[]): Record<string, unknown>[] {
    const owners = listInboxOwners(this.town.root);
    const found: Message[] = [];
    const readIds = new Set<string>();
    for (const id of ids) {
      for (const owner of owners) {
        for (const [file, read] of [[townPaths.unread(owner, id), false], [townPaths.read(owner, id), true]] as const) {
          if (!existsSync(path.join(this.town.root, file))) continue;
          const outcome = this.messages.read(file);
          if (outcome && 'value' in outcome) {
            found.push(outcome.value);
            if (read) readIds.add(`${owner}/${id}`);
          }
        }
      }
    }
    found.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return found.map((message) => messageJson(message, readIds.has(`${message.to}/${message.id}`)));
  }

  async history(limit: number): Promise<Record<string, unknown>> {
    return { events: (await this.townLog(null, limit)).map(timelineEntry) };
  }
}
