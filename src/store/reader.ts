/**
 * Reading the town. A file that cannot be read or does not validate never stops
 * a listing: it is skipped and reported as a problem (file and reason), so one
 * damaged task cannot take `tt status` down with it.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import { NotFoundError, UsageError, ValidationError } from '../errors.js';
import type { Agent, Message, Task } from '../core/types.js';
import { TASK_ID_PATTERN } from '../core/ids.js';
import { parseAgent, parseMessage, parseTask } from './records.js';
import { townPaths } from './paths.js';
import { TEMP_FILE_PATTERN } from './fs-safe.js';
import { FolderCache, statPrefix, type CachedProblem, type Outcome } from './record-cache.js';

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
  return readTownFileWithStat(root, rel).text;
}

/** The file's text and the stat of the very file that was read (taken on the open descriptor). */
export function readTownFileWithStat(root: string, rel: string): { text: string; stat: Stats } {
  let fd: number;
  try {
    fd = openSync(path.join(root, rel), OPEN_NO_FOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new ValidationError(`${rel}: is a symlink; tt does not follow symlinks in the town`, rel);
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    const { size } = stat;
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
    return { text: buffer.toString('utf8', 0, read), stat };
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

type Parse<T> = (text: string, file: string) => T;
type Check<T> = (item: T, file: string) => void;

/** A folder read through its cache (record-cache.ts): the listing, and the cache to save or to keep a view in. */
interface CachedPass<T> {
  listing: Listing<T>;
  cache: FolderCache<T>;
}

function problemOf(file: string, problem: CachedProblem): Problem {
  return { file, message: problem.message, ...(problem.line ? { line: problem.line } : {}) };
}

/** Reads one file for the cache: a file that does not validate is a problem worth remembering, an I/O error is not. */
function readForCache<T>(root: string, file: string, parse: Parse<T>): { outcome: Outcome<T>; stat: Stats | undefined } {
  let stat: Stats | undefined;
  try {
    const read = readTownFileWithStat(root, file);
    stat = read.stat;
    return { outcome: { record: parse(read.text, file) }, stat };
  } catch (error) {
    const { message, line } = toProblem(file, error);
    return { outcome: { problem: { message, ...(line ? { line } : {}) } }, stat: error instanceof ValidationError ? stat : undefined };
  }
}

function collect<T>(files: readonly string[], problems: Problem[], check: Check<T> | undefined, outcomeOf: (file: string) => Outcome<T>): T[] {
  const items: T[] = [];
  for (const file of files) {
    const outcome = outcomeOf(file);
    if ('problem' in outcome) {
      problems.push(problemOf(file, outcome.problem));
      continue;
    }
    try {
      check?.(outcome.record, file);
      items.push(outcome.record);
    } catch (error) {
      problems.push(toProblem(file, error));
    }
  }
  return items;
}

/** Every file's outcome, from the cache where its stat is unchanged (`validated[i]` ≥ 0: its place in the cache). */
function passThroughCache<T>(root: string, relDir: string, files: readonly string[], validated: readonly number[], parse: Parse<T>, check: Check<T> | undefined, cache: FolderCache<T>, problems: Problem[]): T[] {
  let i = 0;
  return collect(files, problems, check, (file) => {
    const index = validated[i++]!;
    const cached = index >= 0 ? cache.cached(index) : undefined;
    if (cached) return cached;
    const { outcome, stat } = readForCache(root, file, parse);
    cache.learn(file.slice(relDir.length + 1), stat, outcome);
    return outcome;
  });
}

/**
 * The folder's Markdown files, each checked against the cache (`validated[i]`:
 * where files[i] is in the cache, unchanged, or -1), as markdownFiles lists them. One
 * readdir of bare names (none while the folder's own stat is unchanged) and
 * one lstat per file: the lstat that checks a file also tells what it is, so
 * the listing needs no file types.
 */
function listThroughCache<T>(root: string, relDir: string, cache: FolderCache<T>, problems: Problem[]): { files: string[]; validated: number[] } {
  const folder = path.join(root, relDir);
  let folderStat: Stats | undefined;
  try {
    folderStat = lstatSync(folder, { throwIfNoEntry: false });
  } catch {
    folderStat = undefined;
  }
  // The folder's names as listed before, while its stat says no entry was created, removed or renamed since.
  let markdown = folderStat?.isDirectory() ? cache.listing(folderStat) : undefined;
  if (!markdown) {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { files: [], validated: [] };
      throw error;
    }
    markdown = names.filter((name) => name.endsWith('.md') && !TEMP_FILE_PATTERN.test(name));
    cache.learnListing(folderStat, markdown);
  }
  const prefix = statPrefix(folder);
  const symlinks: Array<[position: number, problem: Problem]> = [];
  const files: string[] = [];
  const validated: number[] = [];
  for (const name of [...markdown].sort()) {
    let stat: Stats | undefined;
    try {
      stat = lstatSync(prefix + name, { throwIfNoEntry: false });
    } catch {
      stat = undefined;
    }
    const rel = `${relDir}/${name}`;
    if (stat?.isSymbolicLink()) symlinks.push([markdown.indexOf(name), { file: rel, message: 'is a symlink; tt does not follow symlinks in the town' }]);
    // A file that vanished since the readdir is listed, as readdir listed it: reading it reports the problem.
    else if (!stat || stat.isFile()) {
      files.push(rel);
      validated.push(cache.validate(name, stat));
    }
  }
  // markdownFiles reports symlinks first, in directory order
  problems.push(...symlinks.sort((a, b) => a[0] - b[0]).map(([, problem]) => problem));
  return { files, validated };
}

/**
 * A parse that also runs the folder's check: through the cache, a file that
 * fails its check is a problem cached like any other (both depend only on the
 * file's name and text).
 */
function checked<T>(parse: Parse<T>, check: Check<T> | undefined): Parse<T> {
  return check ? (text, file) => {
    const item = parse(text, file);
    check(item, file);
    return item;
  } : parse;
}

function readCached<T>(root: string, relDir: string, cacheName: string, parse: Parse<T>, check?: Check<T>): CachedPass<T> {
  const problems: Problem[] = [];
  const cache = FolderCache.open<T>(root, relDir, cacheName);
  const { files, validated } = listThroughCache(root, relDir, cache, problems);
  const items = passThroughCache(root, relDir, files, validated, checked(parse, check), undefined, cache, problems);
  return { listing: { items, problems }, cache };
}

/**
 * Every Markdown file of a folder, parsed. With `cacheName` the parsed records
 * come from run/cache/parsed/ while each file's stat is unchanged (record-cache.ts).
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

/** Text derived from a folder's listing, e.g. its records as the JSON a command prints. */
export interface FolderView<T> {
  /** Names the rendering: a different rendering of the same files needs a different id. */
  id: string;
  render(items: T[]): string;
}

export interface ViewResult {
  /** The rendered text, UTF-8. */
  bytes: Buffer;
  /** How many records the text was made from. */
  count: number;
  problems: Problem[];
}

/**
 * A view of a folder's listing, cached with it: while no file of the folder
 * changed, it is the stored text and no record is parsed at all.
 */
function readView<T>(root: string, relDir: string, cacheName: string, parse: Parse<T>, check: Check<T> | undefined, view: FolderView<T>): ViewResult {
  const problems: Problem[] = [];
  const cache = FolderCache.open<T>(root, relDir, cacheName, view.id);
  const { files, validated } = listThroughCache(root, relDir, cache, problems);
  const stored = validated.every((index) => index >= 0) ? cache.view(view.id) : undefined;
  if (stored) {
    if (cache.hasCachedProblems()) {
      files.forEach((file, i) => {
        const problem = cache.cachedProblem(validated[i]!);
        if (problem) problems.push(problemOf(file, problem));
      });
    }
    cache.save(); // nothing to write, unless the folder's listing is new to the cache
    return { ...stored, problems };
  }
  const items = passThroughCache(root, relDir, files, validated, checked(parse, check), undefined, cache, problems);
  const bytes = Buffer.from(view.render(items));
  cache.storeView(view.id, { bytes, count: items.length });
  cache.save();
  return { bytes, count: items.length, problems };
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
  const listing = readAll(root, townPaths.inbox(agent), parseMessage, undefined, `inbox-${agent}`);
  listing.items.sort(byUrgencyThenAge);
  return listing;
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
  for (const entry of listDir(root, townPaths.inbox(agent))) {
    if (entry.isFile() && entry.name.endsWith('.md') && !TEMP_FILE_PATTERN.test(entry.name)) count++;
  }
  return count;
}

/** Names of the folders under inbox/ (agents that have or had mail). */
export function listInboxOwners(root: string): string[] {
  return listDir(root, townPaths.inboxRoot).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
}
