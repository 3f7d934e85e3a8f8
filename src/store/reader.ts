/**
 * Reading the town. A file that cannot be read or does not validate never stops
 * a listing: it is skipped and reported as a problem (file and reason), so one
 * damaged task cannot take `tt status` down with it.
 */
import { readdirSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { NotFoundError, UsageError, ValidationError } from '../errors.js';
import type { Agent, Message, Task } from '../core/types.js';
import { TASK_ID_PATTERN } from '../core/ids.js';
import { parseAgent, parseMessage, parseTask } from './records.js';
import { townPaths } from './paths.js';
import { newestNames } from './newest-names.js';
import { TEMP_FILE_PATTERN } from './fs-safe.js';
import { collect, readCached, readView, scanView, type Check, type FolderView, type Parse, type ViewLines, type ViewResult } from './cached-folder.js';
import { notAFolder, readTownFile, toProblem, type Listing, type Problem } from './town-file.js';

export { MAX_TOWN_FILE_BYTES, readTownFile, readTownFileWithStat, toProblem, type Listing, type Problem } from './town-file.js';
export type { FolderView, ViewLines, ViewResult } from './cached-folder.js';

function listDir(root: string, relDir: string, problems: Problem[]): Dirent[] {
  try {
    return readdirSync(path.join(root, relDir), { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    if (code === 'ENOTDIR') {
      problems.push(notAFolder(relDir));
      return [];
    }
    throw error;
  }
}

/** Markdown entries of a folder; symlinks and other oddities become problems, temp files are skipped. */
export function markdownFiles(root: string, relDir: string, problems: Problem[]): string[] {
  const files: string[] = [];
  for (const entry of listDir(root, relDir, problems)) {
    if (!entry.name.endsWith('.md') || TEMP_FILE_PATTERN.test(entry.name)) continue;
    const rel = `${relDir}/${entry.name}`;
    if (entry.isSymbolicLink()) problems.push({ file: rel, message: 'is a symlink; tt does not follow symlinks in the town' });
    else if (entry.isFile()) files.push(rel);
  }
  return files.sort();
}

/**
 * Every Markdown file of a folder, parsed. With `cacheName` the parsed records
 * come from the state folder's cache/parsed/ while each file's stat is unchanged (record-cache.ts).
 */
function readAll<T>(root: string, relDir: string, parse: Parse<T>, check?: Check<T>, cacheName?: string): Listing<T> {
  if (cacheName !== undefined) {
    const { listing, cache } = readCached(root, relDir, cacheName, parse, check);
    cache.save();
    return listing;
  }
  const problems: Problem[] = [];
  const items = collect(markdownFiles(root, relDir, problems), problems, check, (file) => {
    try {
      return { record: parse(readTownFile(root, file), file) };
    } catch (error) {
      const { message, line } = toProblem(file, error);
      return { problem: { message, ...(line ? { line } : {}) } };
    }
  });
  return { items, problems };
}

function nameMatchesFile(expected: string, file: string, field: string): void {
  if (path.posix.basename(file, '.md') !== expected) {
    throw new ValidationError(`${file}: field "${field}" is "${expected}" but the file is named ${path.posix.basename(file)}`, file, field);
  }
}

export function listAgents(root: string): Listing<Agent> {
  return readAll(root, townPaths.agentsDir, parseAgent, (agent, file) => nameMatchesFile(agent.name, file, 'name'));
}

const checkTaskFile: Check<Task> = (task, file) => nameMatchesFile(task.id, file, 'id');

export function listTasks(root: string): Listing<Task> {
  return readAll(root, townPaths.tasksDir, parseTask, checkTaskFile, 'tasks');
}

/** A view of all tasks (in file order; the view sorts them), cached with the tasks; see readView. */
export function viewTasks(root: string, view: FolderView<Task>): ViewResult {
  return readView(root, townPaths.tasksDir, 'tasks', parseTask, checkTaskFile, view);
}

/** The lines of a view of all tasks (one line a task) whose bytes hold `needle`; see scanView. */
export function scanTasks(root: string, view: FolderView<Task>, needle: Buffer): ViewLines {
  return scanView(root, townPaths.tasksDir, 'tasks', parseTask, checkTaskFile, view, needle);
}

export function readTask(root: string, id: string): Task {
  const file = townPaths.task(id);
  let text: string;
  try {
    text = readTownFile(root, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`no task ${id} (tt task list shows the tasks)`);
    throw error;
  }
  return parseTask(text, file);
}

/** Task ids resolve from the full id or any unique prefix of 3+ characters after `t-`. */
export function resolveTaskId(root: string, input: string): string {
  const wanted = input.trim().toLowerCase();
  const bare = wanted.startsWith('t-') ? wanted.slice(2) : wanted;
  if (bare.length < 3 || !/^[0-9a-z]+$/.test(bare)) {
    throw new UsageError(`"${input}" is not a task id: give the id (t-7k2m9q) or at least 3 of its characters after "t-"`);
  }
  const ids = listDir(root, townPaths.tasksDir, [])
    .map((entry) => entry.name)
    .filter((name) => name.endsWith('.md'))
    .map((name) => name.slice(0, -3))
    .filter((id) => TASK_ID_PATTERN.test(id));
  if (ids.includes(`t-${bare}`)) return `t-${bare}`;
  const matches = ids.filter((id) => id.slice(2).startsWith(bare));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new NotFoundError(`no task matches "${input}" (tt task list shows the tasks)`);
  throw new UsageError(`"${input}" is ambiguous: it matches ${matches.slice(0, 5).join(', ')}${matches.length > 5 ? ', …' : ''}; give more characters`);
}

function byUrgencyThenAge(a: Message, b: Message): number {
  if (a.urgent !== b.urgent) return a.urgent ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function listUnread(root: string, agent: string): Listing<Message> {
  const listing = readAll(root, townPaths.inbox(agent), parseMessage, undefined, `inbox-${agent}`);
  listing.items.sort(byUrgencyThenAge);
  return listing;
}

export interface NewestUnread extends Listing<Message> {
  /** How many unread message files the inbox holds (damaged ones included). */
  unread: number;
}

/**
 * The newest `limit` unread messages in listing order, and how many there are.
 * Message ids, and so canonical file names, sort by time: the newest are the
 * last names of one readdir, and only their files are read and parsed.
 */
export function listNewestUnread(root: string, agent: string, limit: number): NewestUnread {
  const problems: Problem[] = [];
  const dir = townPaths.inbox(agent);
  // The newest names, from a cache while the folder is unchanged (newest-names.ts); a symlink or a folder
  // among those shown is refused by the read itself and reported.
  let listed: { names: string[]; count: number };
  try {
    listed = newestNames(root, dir, limit);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { items: [], problems, unread: 0 };
    if (code === 'ENOTDIR') return { items: [], problems: [notAFolder(dir)], unread: 0 };
    throw error;
  }
  const shown = listed.names;
  const items = collect<Message>(shown.map((name) => `${dir}/${name}`), problems, undefined, (file) => {
    try {
      return { record: parseMessage(readTownFile(root, file), file) };
    } catch (error) {
      const { message, line } = toProblem(file, error);
      return { problem: { message, ...(line ? { line } : {}) } };
    }
  });
  return { items: items.sort(byUrgencyThenAge), problems, unread: listed.count };
}

/** A view of the unread messages in listing order (urgent first, then oldest); see readView. */
export function viewUnread(root: string, agent: string, view: FolderView<Message>): ViewResult {
  return readView(root, townPaths.inbox(agent), `inbox-${agent}`, parseMessage, undefined, {
    id: view.id,
    render: (messages) => view.render(messages.sort(byUrgencyThenAge)),
  });
}

export function listRead(root: string, agent: string): Listing<Message> {
  const listing = readAll(root, townPaths.readDir(agent), parseMessage, undefined, `read-${agent}`);
  listing.items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return listing;
}

/** Unread count without parsing: one readdir. */
export function countUnread(root: string, agent: string): number {
  let count = 0;
  for (const entry of listDir(root, townPaths.inbox(agent), [])) {
    if (entry.isFile() && entry.name.endsWith('.md') && !TEMP_FILE_PATTERN.test(entry.name)) count++;
  }
  return count;
}

/** Names of the folders under inbox/ (agents that have or had mail). */
export function listInboxOwners(root: string): string[] {
  return listDir(root, townPaths.inboxRoot, []).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
}
