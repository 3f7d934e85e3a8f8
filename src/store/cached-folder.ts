/**
 * A folder of town files read through its cache (record-cache.ts): one lstat
 * per file, a record parsed only for a file that changed, and views — text
 * derived from the whole listing — kept while no file of the folder changed.
 */
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import path from 'node:path';
import { ValidationError } from '../errors.js';
import { TEMP_FILE_PATTERN } from './fs-safe.js';
import { lstatLight, ReusableLinkStat, type LinkStat } from './light-lstat.js';
import { linesHolding } from './line-scan.js';
import { FolderCache, type CachedProblem, type Outcome } from './record-cache.js';
import { notAFolder, readTownFileWithStat, toProblem, type Listing, type Problem } from './town-file.js';

export type Parse<T> = (text: string, file: string) => T;
export type Check<T> = (item: T, file: string) => void;

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

export function collect<T>(files: readonly string[], problems: Problem[], check: Check<T> | undefined, outcomeOf: (file: string) => Outcome<T>): T[] {
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

/** The folder's files as checked against its cache: their names, sorted, and where each is in the cache unchanged (-1: not). */
interface CheckedFiles {
  names: string[];
  validated: Int32Array;
}

/** Every file's outcome, from the cache where its stat is unchanged (`parse` checks, see `checked`). */
function passThroughCache<T>(root: string, relDir: string, { names, validated }: CheckedFiles, parse: Parse<T>, cache: FolderCache<T>, problems: Problem[]): T[] {
  let i = 0;
  return collect(names.map((name) => `${relDir}/${name}`), problems, undefined, (file) => {
    const index = validated[i]!;
    const name = names[i++]!;
    const cached = index >= 0 ? cache.cached(index) : undefined;
    if (cached) return cached;
    const { outcome, stat } = readForCache(root, file, parse);
    cache.learn(name, stat, outcome);
    return outcome;
  });
}

function isSorted(names: readonly string[]): boolean {
  for (let i = 1; i < names.length; i++) if (names[i - 1]! > names[i]!) return false;
  return true;
}

/**
 * The folder's Markdown files, each checked against the cache, as
 * markdownFiles lists them. One readdir of bare names (none while the folder's
 * own stat is unchanged) and one lstat per file: the lstat that checks a file
 * also tells what it is, so the listing needs no file types. The files' lstat
 * calls build no fs.Stats (light-lstat.ts): at 10,000 files those objects cost
 * about 30 ms. Nothing else is made per file (paths relative to the root are
 * made only when a file is read): what a loop over 10,000 files keeps alive,
 * the garbage collector copies.
 */
function listThroughCache<T>(root: string, relDir: string, cache: FolderCache<T>, problems: Problem[]): CheckedFiles {
  const none: CheckedFiles = { names: [], validated: new Int32Array(0) };
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
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return none;
      if (code === 'ENOTDIR') {
        problems.push(notAFolder(relDir));
        return none;
      }
      throw error;
    }
    markdown = names.filter((name) => name.endsWith('.md') && !TEMP_FILE_PATTERN.test(name));
    cache.learnListing(folderStat, markdown);
  }
  const prefix = statPrefix(folder);
  const symlinks: Array<[position: number, problem: Problem]> = [];
  const sorted = isSorted(markdown) ? markdown : [...markdown].sort();
  /** The names kept, when one was left out (a symlink); else all of `sorted`, with no array grown one name at a time. */
  let names: string[] | undefined;
  let kept = 0;
  const validated = new Int32Array(sorted.length);
  const reused = new ReusableLinkStat(); // each stat is read before the next is taken
  // an index, not for-of: until the loop is optimised, each step of an iterator makes an object (750 KB at 10,000 files)
  for (let i = 0; i < sorted.length; i++) {
    const name = sorted[i]!;
    let stat: LinkStat | undefined;
    try {
      stat = lstatLight(prefix + name, reused);
    } catch {
      stat = undefined;
    }
    // A file that vanished since the readdir is listed, as readdir listed it: reading it reports the problem.
    if (!stat || stat.isFile()) {
      validated[kept++] = cache.validate(name, stat);
      names?.push(name);
      continue;
    }
    names ??= sorted.slice(0, i);
    if (stat.isSymbolicLink()) symlinks.push([markdown.indexOf(name), { file: `${relDir}/${name}`, message: 'is a symlink; tt does not follow symlinks in the town' }]);
  }
  // markdownFiles reports symlinks first, in directory order
  problems.push(...symlinks.sort((a, b) => a[0] - b[0]).map(([, problem]) => problem));
  return { names: names ?? sorted, validated: validated.subarray(0, kept) };
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

export function readCached<T>(root: string, relDir: string, cacheName: string, parse: Parse<T>, check?: Check<T>): CachedPass<T> {
  const problems: Problem[] = [];
  const cache = FolderCache.open<T>(root, relDir, cacheName);
  const items = passThroughCache(root, relDir, listThroughCache(root, relDir, cache, problems), checked(parse, check), cache, problems);
  return { listing: { items, problems }, cache };
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
export function readView<T>(root: string, relDir: string, cacheName: string, parse: Parse<T>, check: Check<T> | undefined, view: FolderView<T>): ViewResult {
  const pass = throughView(root, relDir, cacheName, parse, check, view, view.id, (cache) => {
    const stored = cache.view(view.id);
    return stored && { value: stored.bytes, count: stored.count };
  }, (bytes) => bytes);
  return { bytes: pass.value, count: pass.count, problems: pass.problems };
}

/** The lines of a view that hold some bytes: a search of a view of one line per record. */
export interface ViewLines {
  lines: string[];
  /** How many records the view was made from. */
  count: number;
  problems: Problem[];
}

/**
 * readView for a view of one line per record (UTF-8, each ending in a
 * newline), searched rather than read: the lines whose bytes hold `needle`.
 * The stored view is scanned in its cache file through a small buffer
 * (line-scan.ts) and never read whole into memory.
 */
export function scanView<T>(root: string, relDir: string, cacheName: string, parse: Parse<T>, check: Check<T> | undefined, view: FolderView<T>, needle: Buffer): ViewLines {
  const pass = throughView(root, relDir, cacheName, parse, check, view, undefined, (cache) => {
    const stored = cache.scanView(view.id, needle);
    return stored && { value: stored.lines, count: stored.count };
  }, (bytes) => linesHolding(bytes, needle));
  return { lines: pass.value, count: pass.count, problems: pass.problems };
}

/**
 * The one way through a view: `stored` takes the view from the cache (opened
 * with `loaded`, the view read at open, if any), `fresh` the text made now when
 * it cannot be.
 */
function throughView<T, V>(root: string, relDir: string, cacheName: string, parse: Parse<T>, check: Check<T> | undefined, view: FolderView<T>,
  loaded: string | undefined, stored: (cache: FolderCache<T>) => { value: V; count: number } | undefined, fresh: (bytes: Buffer) => V): { value: V; count: number; problems: Problem[] } {
  const problems: Problem[] = [];
  const cache = FolderCache.open<T>(root, relDir, cacheName, loaded);
  const files = listThroughCache(root, relDir, cache, problems);
  const kept = files.validated.every((index) => index >= 0) ? stored(cache) : undefined;
  if (kept) {
    if (cache.hasCachedProblems()) {
      files.names.forEach((name, i) => {
        const problem = cache.cachedProblem(files.validated[i]!);
        if (problem) problems.push(problemOf(`${relDir}/${name}`, problem));
      });
    }
    cache.save(); // nothing to write, unless the folder's listing is new to the cache
    return { ...kept, problems };
  }
  const items = passThroughCache(root, relDir, files, checked(parse, check), cache, problems);
  const bytes = Buffer.from(view.render(items));
  cache.storeView(view.id, { bytes, count: items.length });
  cache.save();
  return { value: fresh(bytes), count: items.length, problems };
}

/**
 * A folder's path as a prefix for its files' lstat calls: relative to the
 * working directory when the folder is below it (a tt run from the repository
 * root), since the kernel then resolves fewer components for each of
 * thousands of files, and joined once, since path.join per file shows too.
 */
function statPrefix(folder: string): string {
  let relative: string;
  try {
    relative = path.relative(process.cwd(), folder);
  } catch {
    return `${folder}${path.sep}`; // the working directory is gone
  }
  const usable = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) && relative.length < folder.length;
  return `${usable ? relative : folder}${path.sep}`;
}
