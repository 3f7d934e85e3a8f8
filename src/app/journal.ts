/**
 * The commit journal: one JSON file per town change in the local state
 * folder's pending/, written before the change touches a file and removed
 * once its commit is on the branch (transaction.ts). An entry holds every
 * touched path with its text after the change, so a commit never depends on
 * the work tree still holding the files. Entries are data like any other:
 * checked before use (town paths only, a known action, a valid author).
 */
import { readdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import type { Trailer } from '../git/commit.js';
import { AGENT_NAME_PATTERN } from '../core/names.js';
import { TOWN_ACTIONS } from '../core/types.js';
import { TOWN_DIR_NAME } from '../store/paths.js';
import { refuseStateSymlink, statePaths, writeStateFile } from '../store/state-dir.js';
import { MAX_TOWN_FILE_BYTES } from '../store/town-file.js';
import { isBranchRef, isCommitId } from './merge-journal.js';

export function readText(root: string, rel: string): string | null {
  try {
    return readFileSync(path.join(root, rel), 'utf8');
  } catch {
    return null;
  }
}

/** A path relative to the town root and its text after the change (null: removed). */
export interface JournalChange {
  path: string;
  content: string | null;
}

export interface PendingCommit {
  changes: JournalChange[];
  subject: string;
  body?: string;
  trailers: Trailer[];
  author: string;
  /** Set once the commit is built, before HEAD moves: the next command looks for it on the branch. */
  commit?: string;
  /**
   * A change that goes with a move of a branch (an approval with its merge):
   * committed only once `commit` is on `ref`, dropped if it never got there
   * (its files are written only after the branch moved: transaction.ts).
   */
  requires?: { ref: string; commit: string };
}

/** An entry journaled by an earlier version of tt: paths only, their text in the work tree. */
export interface LegacyPendingCommit {
  paths: string[];
  subject: string;
  body?: string;
  trailers: Trailer[];
  author: string;
}

/** A path a journal may name: a town file, or the one file outside the town tt commits (.gitattributes, at init). */
function isTownPath(rel: unknown): rel is string {
  if (typeof rel !== 'string' || rel.includes('\\') || rel.includes('\0')) return false;
  if (rel === '.gitattributes') return true;
  const parts = rel.split('/');
  return parts[0] === TOWN_DIR_NAME && parts.length > 1 && parts.every((part) => part !== '' && part !== '.' && part !== '..');
}

const isLine = (value: unknown): value is string => typeof value === 'string' && !/[\r\n]/.test(value);

/**
 * A journal entry, checked before anything in it is used: the local state
 * folder is out of any commit's reach, but a journal is still data — it names
 * town paths only (with text within the size limit), one known action, a
 * valid author, single-line trailers.
 */
export function validPendingCommit(data: unknown): PendingCommit | LegacyPendingCommit | undefined {
  if (!data || typeof data !== 'object') return undefined;
  const entry = data as Partial<PendingCommit & LegacyPendingCommit>;
  if ('changes' in entry) {
    const changes = entry.changes;
    if (!Array.isArray(changes) || changes.length === 0) return undefined;
    const valid = changes.every((change) => change && isTownPath(change.path)
      && (change.content === null || (typeof change.content === 'string' && Buffer.byteLength(change.content) <= MAX_TOWN_FILE_BYTES)));
    if (!valid || (entry.commit !== undefined && !isCommitId(entry.commit))) return undefined;
    if (entry.requires !== undefined && !(entry.requires && isBranchRef(entry.requires.ref) && isCommitId(entry.requires.commit))) return undefined;
  } else if (!Array.isArray(entry.paths) || entry.paths.length === 0 || !entry.paths.every(isTownPath)) return undefined;
  if (!isLine(entry.subject) || (entry.body !== undefined && typeof entry.body !== 'string')) return undefined;
  if (typeof entry.author !== 'string' || !AGENT_NAME_PATTERN.test(entry.author)) return undefined;
  if (!Array.isArray(entry.trailers) || !entry.trailers.every((t) => Array.isArray(t) && t.length === 2 && isLine(t[0]) && isLine(t[1]))) return undefined;
  const actions = entry.trailers.filter(([key]) => key === 'Tinytown-Action');
  if (actions.length !== 1 || !(TOWN_ACTIONS as readonly string[]).includes(actions[0]![1])) return undefined;
  return entry as PendingCommit | LegacyPendingCommit;
}

export function listPending(root: string): string[] {
  try {
    return readdirSync(statePaths.pendingDir(root)).filter((name) => name.endsWith('.json')).sort();
  } catch {
    return [];
  }
}

/**
 * The entries journaled and not committed yet, read without taking the
 * commit lock: an entry may vanish as it is read (it was just committed), and
 * a damaged one is skipped (tt doctor reports it).
 */
function peekPending(root: string): Array<PendingCommit | LegacyPendingCommit> {
  const entries: Array<PendingCommit | LegacyPendingCommit> = [];
  for (const name of listPending(root)) {
    try {
      const file = path.join(statePaths.pendingDir(root), name);
      refuseStateSymlink(file);
      const entry = validPendingCommit(JSON.parse(readFileSync(file, 'utf8')));
      if (entry) entries.push(entry);
    } catch {
      // committed and removed meanwhile, or damaged
    }
  }
  return entries;
}

/** The town paths of changes journaled and not committed yet: tt's own writes on their way into a commit, never a hand edit to take in. */
export function journaledPaths(root: string): Set<string> {
  return new Set(peekPending(root).flatMap((entry) => ('changes' in entry ? entry.changes.map((change) => change.path) : entry.paths)));
}

/** Journaled changes waiting for a branch move (an approval's merge): only a killed approval leaves one behind. */
export function journaledLandings(root: string): Array<NonNullable<PendingCommit['requires']>> {
  return peekPending(root).flatMap((entry) => ('requires' in entry && entry.requires ? [entry.requires] : []));
}

/** Journals are written atomically (temp + rename); not fsynced: the town files themselves are. */
export function writeJournal(file: string, pending: PendingCommit): void {
  writeStateFile(file, JSON.stringify(pending));
}

export function readJournal(root: string, file: string): PendingCommit | undefined {
  let parsed: PendingCommit | LegacyPendingCommit | undefined;
  try {
    refuseStateSymlink(file);
    parsed = validPendingCommit(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    parsed = undefined;
  }
  if (!parsed) {
    // Written atomically and checked: this is damage from outside. Kept for tt doctor, never applied, never blocking.
    renameSync(file, `${file}.damaged`);
    return undefined;
  }
  if ('changes' in parsed) return parsed;
  const { paths, ...rest } = parsed;
  return { ...rest, changes: [...new Set(paths)].map((rel) => ({ path: rel, content: readText(root, rel) })) };
}
