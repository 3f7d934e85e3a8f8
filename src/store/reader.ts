/**
 * Reading the town. A file that cannot be read or does not validate never stops
 * a listing: it is skipped and reported as a problem (file and reason), so one
 * damaged task cannot take `tt status` down with it.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { NotFoundError, UsageError, ValidationError } from '../errors.js';
import type { Agent, Message, Task } from '../core/types.js';
import { TASK_ID_PATTERN } from '../core/ids.js';
import { parseAgent, parseMessage, parseTask } from './records.js';
import { townPaths } from './paths.js';
import { TEMP_FILE_PATTERN } from './fs-safe.js';

export interface Problem {
  file: string;
  message: string;
  line?: number;
}

export interface Listing<T> {
  items: T[];
  problems: Problem[];
}

/** Town files larger than this are refused unread: a coordination file is a page, not a payload. */
export const MAX_TOWN_FILE_BYTES = 1024 * 1024;

function listDir(root: string, relDir: string): Dirent[] {
  try {
    return readdirSync(path.join(root, relDir), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Markdown entries of a folder; symlinks and other oddities become problems, temp files are skipped. */
export function markdownFiles(root: string, relDir: string, problems: Problem[]): string[] {
  const files: string[] = [];
  for (const entry of listDir(root, relDir)) {
    if (!entry.name.endsWith('.md') || TEMP_FILE_PATTERN.test(entry.name)) continue;
    const rel = `${relDir}/${entry.name}`;
    if (entry.isSymbolicLink()) problems.push({ file: rel, message: 'is a symlink; tt does not follow symlinks in the town' });
    else if (entry.isFile()) files.push(rel);
  }
  return files.sort();
}

/** Opening with O_NOFOLLOW refuses a symlink in the same system call that opens the file (no lstat first). */
const OPEN_NO_FOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW;

export function readTownFile(root: string, rel: string): string {
  let fd: number;
  try {
    fd = openSync(path.join(root, rel), OPEN_NO_FOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new ValidationError(`${rel}: is a symlink; tt does not follow symlinks in the town`, rel);
    throw error;
  }
  try {
    const { size } = fstatSync(fd);
    if (size > MAX_TOWN_FILE_BYTES) {
      throw new ValidationError(`${rel}: ${size} bytes is too large for a town file (at most ${MAX_TOWN_FILE_BYTES})`, rel);
    }
    const buffer = Buffer.allocUnsafe(size);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, buffer, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    return buffer.toString('utf8', 0, read);
  } finally {
    closeSync(fd);
  }
}

export function toProblem(file: string, error: unknown): Problem {
  if (error instanceof ValidationError) {
    return { file, message: error.message.replace(new RegExp(`^${escapeRegExp(file)}(:\\d+)?: `), ''), ...(error.line ? { line: error.line } : {}) };
  }
  return { file, message: error instanceof Error ? error.message : String(error) };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function readAll<T>(root: string, relDir: string, parse: (text: string, file: string) => T, check?: (item: T, file: string) => void): Listing<T> {
  const problems: Problem[] = [];
  const items: T[] = [];
  for (const file of markdownFiles(root, relDir, problems)) {
    try {
      const item = parse(readTownFile(root, file), file);
      check?.(item, file);
      items.push(item);
    } catch (error) {
      problems.push(toProblem(file, error));
    }
  }
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

export function listTasks(root: string): Listing<Task> {
  const listing = readAll(root, townPaths.tasksDir, parseTask, (task, file) => nameMatchesFile(task.id, file, 'id'));
  return listing;
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
  const ids = listDir(root, townPaths.tasksDir)
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
  const listing = readAll(root, townPaths.inbox(agent), parseMessage);
  listing.items.sort(byUrgencyThenAge);
  return listing;
}

export function listRead(root: string, agent: string): Listing<Message> {
  const listing = readAll(root, townPaths.readDir(agent), parseMessage);
  listing.items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return listing;
}

/** Unread count without parsing: one readdir. */
export function countUnread(root: string, agent: string): number {
  let count = 0;
  for (const entry of listDir(root, townPaths.inbox(agent))) {
    if (entry.isFile() && entry.name.endsWith('.md') && !TEMP_FILE_PATTERN.test(entry.name)) count++;
  }
  return count;
}

/** Names of the folders under inbox/ (agents that have or had mail). */
export function listInboxOwners(root: string): string[] {
  return listDir(root, townPaths.inboxRoot).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
}
