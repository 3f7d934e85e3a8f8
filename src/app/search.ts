/**
 * `tt search TEXT`: a case-insensitive substring over task titles,
 * descriptions and results (a failed task's reason is its result) and over
 * message bodies, unread and read. Tasks come from a view cached with the
 * tasks (one line each, made only when a task file changed); messages from
 * each message folder's index (store/message-index.ts). A search is then a
 * scan of a few megabytes of bytes for the needle (both hold the searched
 * text lower-cased), only the lines it hits are decoded and checked field by
 * field, and only the hits shown (`limit`) in a description or a message
 * read their file for the text as written.
 */
import { UsageError } from '../errors.js';
import { PRIORITIES, TASK_STATES, type Priority, type Task } from '../core/types.js';
import { escapeField, matchMessageFolder, messageText, type IndexedMessage } from '../store/message-index.js';
import { listInboxOwners, readTask, scanTasks, type Problem } from '../store/reader.js';
import { townPaths } from '../store/paths.js';
import type { Town } from '../store/town.js';
import { resolveAgent } from './agents.js';
import { FIELD, TASK_LINES_VIEW, TaskLine, taskLine } from './task-search-lines.js';

export interface SearchOptions {
  text: string;
  /** Which kinds: both when neither is set. */
  tasks?: boolean | undefined;
  messages?: boolean | undefined;
  /** Comma-separated task states: only tasks are searched then (messages have no state). */
  state?: string | undefined;
  /** Tasks it is assigned to or reviews; messages to or from it. */
  agent?: string | undefined;
}

export type TaskField = 'title' | 'description' | 'result';

export interface TaskHit {
  kind: 'task';
  id: string;
  path: string;
  title: string;
  state: Task['state'];
  priority: Priority;
  assignee: string | null;
  reviewer: string | null;
  tags: string[];
  created: string;
  /** The first field that matched, and the line of it around the match. */
  field: TaskField;
  snippet: string;
}

export interface MessageHit extends Omit<IndexedMessage, 'body'> {
  kind: 'message';
  read: boolean;
  snippet: string;
}

export interface SearchResult {
  /** The first `limit` of each kind. */
  tasks: TaskHit[];
  messages: MessageHit[];
  /** How many of each kind matched. */
  matches: { tasks: number; messages: number };
  problems: Problem[];
}

const SNIPPET_CHARS = 100;

/** The line of `text` that holds the needle, cut to about SNIPPET_CHARS around it. */
export function snippet(text: string, needle: string): string {
  const lowerText = text.toLowerCase();
  const at = lowerText.length === text.length ? lowerText.indexOf(needle) : -1;
  if (at < 0) return text.trim().split('\n')[0]!.slice(0, SNIPPET_CHARS);
  const lineStart = text.lastIndexOf('\n', at) + 1;
  const lineEnd = text.indexOf('\n', at) < 0 ? text.length : text.indexOf('\n', at);
  const start = Math.max(lineStart, at - Math.floor((SNIPPET_CHARS - needle.length) / 2));
  const end = Math.min(lineEnd, start + SNIPPET_CHARS);
  return `${start > lineStart ? '…' : ''}${text.slice(start, end).trim()}${end < lineEnd ? '…' : ''}`;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function parseStates(state: string | undefined): string[] | undefined {
  if (state === undefined) return undefined;
  const states = state.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = states.find((s) => !(TASK_STATES as readonly string[]).includes(s));
  if (unknown !== undefined || states.length === 0) throw new UsageError(`unknown task state "${unknown ?? state}": use ${TASK_STATES.join(', ')} (comma-separated)`);
  return states;
}

/** A task that matched: its line, the first field that holds the needle, and what sorts it. */
interface TaskMatch {
  text: string;
  field: TaskField;
  rank: number;
  created: string;
  id: string;
}

/** In this order: the field a hit names is the first that holds the needle. */
const SEARCHED_FIELDS: ReadonlyArray<[TaskField, typeof FIELD[keyof typeof FIELD]]> = [['title', FIELD.searchedTitle], ['description', FIELD.searchedDescription], ['result', FIELD.searchedResult]];

function searchTasks(town: Town, needle: string, states: string[] | undefined, agent: string | undefined, problems: Problem[]): TaskMatch[] {
  const escapedNeedle = escapeField(needle);
  const view = scanTasks(town.root, { id: TASK_LINES_VIEW, render: (tasks) => tasks.map(taskLine).join('') }, Buffer.from(escapedNeedle));
  problems.push(...view.problems);
  const matches: TaskMatch[] = [];
  // one TaskLine read again for each hit, indexes and no destructuring: until this loop is optimised, objects made per hit cost
  const line = new TaskLine('');
  for (let i = 0; i < view.lines.length; i++) {
    const text = view.lines[i]!;
    line.read(text);
    if (states && !states.some((state) => line.is(FIELD.state, state))) continue;
    if (agent && !line.is(FIELD.assignee, agent) && !line.is(FIELD.reviewer, agent)) continue;
    const field = SEARCHED_FIELDS.find((searched) => line.holds(searched[1], needle, escapedNeedle))?.[0];
    if (!field) continue;
    const rank = Math.max(0, PRIORITIES.findIndex((priority) => line.is(FIELD.priority, priority)));
    matches.push({ text, field, rank, created: line.field(FIELD.created), id: line.field(FIELD.id) });
  }
  // the task list's order: the most urgent first, then the oldest
  // (code-unit comparison: ISO times and ids need no locale, and localeCompare costs ~20 µs a call)
  return matches.sort((a, b) => b.rank - a.rank || compareText(a.created, b.created) || compareText(a.id, b.id));
}

/** The description as written, for a hit in it: from its file, or lower-cased as the line has it when the file is gone since. */
function descriptionAsWritten(town: Town, id: string, line: TaskLine): string {
  try {
    return readTask(town.root, id).body;
  } catch {
    return line.field(FIELD.searchedDescription);
  }
}

/** A shown task hit: its title, and the text around the match as written. */
function taskHit(town: Town, { text: lineText, field, id, created }: TaskMatch, needle: string): TaskHit {
  const line = new TaskLine(lineText);
  const title = line.field(FIELD.title);
  const text = field === 'description' ? descriptionAsWritten(town, id, line) : field === 'title' ? title : line.field(FIELD.result);
  const [assignee, reviewer, tags] = [line.field(FIELD.assignee), line.field(FIELD.reviewer), line.field(FIELD.tags)];
  return {
    kind: 'task', id, path: townPaths.task(id), title, state: line.field(FIELD.state) as Task['state'],
    priority: line.field(FIELD.priority) as Priority, assignee: assignee || null, reviewer: reviewer || null,
    tags: tags ? tags.split(',') : [], created, field, snippet: snippet(text, needle),
  };
}

/** A message that matched, its body lower-cased as indexed: the snippet is made only for the hits shown. */
interface MessageMatch {
  message: Omit<IndexedMessage, 'body'> & { read: boolean };
  body: string;
}

function searchMessages(town: Town, needle: string, agent: string | undefined, problems: Problem[]): MessageMatch[] {
  const matches: MessageMatch[] = [];
  for (const owner of listInboxOwners(town.root)) {
    for (const [dir, read] of [[townPaths.inbox(owner), false], [townPaths.readDir(owner), true]] as const) {
      const found = matchMessageFolder(town.root, dir, owner, needle);
      problems.push(...found.problems);
      for (const { body, ...message } of found.candidates) {
        if (agent && message.to !== agent && message.from !== agent) continue;
        if (!body.includes(needle)) continue;
        matches.push({ message: { ...message, read }, body });
      }
    }
  }
  // newest first; ids sort by time
  return matches.sort((a, b) => (a.message.id < b.message.id ? 1 : a.message.id > b.message.id ? -1 : 0));
}

/** A shown message hit: the text around the match as written (from its file), or lower-cased when the file is gone since. */
function messageHit(town: Town, { message, body }: MessageMatch, needle: string): MessageHit {
  const text = messageText(town.root, message.path);
  return { kind: 'message', ...message, snippet: snippet(text ?? body, needle) };
}

/** `limit`: at most this many of each kind are returned (0: all); `matches` counts them all. */
export function searchTown(town: Town, options: SearchOptions & { limit: number }): SearchResult {
  const needle = options.text.toLowerCase();
  if (!needle.trim()) throw new UsageError('search for what? give the text to look for (tt search "login bug")');
  const states = parseStates(options.state);
  if (states && options.messages) throw new UsageError('--state filters tasks, and messages have no state: drop --messages or --state');
  const agent = options.agent ? resolveAgent(town, options.agent) : undefined;
  const both = !options.tasks && !options.messages;
  const problems: Problem[] = [];
  const tasks = options.tasks || both ? searchTasks(town, needle, states, agent, problems) : [];
  const messages = (options.messages || both) && !states ? searchMessages(town, needle, agent, problems) : [];
  const cut = <T>(list: T[]) => (options.limit === 0 ? list : list.slice(0, options.limit));
  return {
    tasks: cut(tasks).map((match) => taskHit(town, match, needle)),
    messages: cut(messages).map((match) => messageHit(town, match, needle)),
    matches: { tasks: tasks.length, messages: messages.length },
    problems,
  };
}
