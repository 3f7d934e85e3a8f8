/**
 * A town change: take the lock, re-read what the change depends on, write
 * files atomically, commit exactly the touched paths, release. The commit is
 * journaled in the local state folder's pending/ first, so a change whose commit had to wait (a
 * merge in progress) or was interrupted is committed by the next tt write.
 */
import { existsSync, readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { commitPaths, type Trailer } from '../git/commit.js';
import { operationInProgress } from '../git/repo-state.js';
import { readCommitParent, readHeadCommit, readOwnCommitParent } from '../git/git-dir.js';
import { revertedTownPaths } from '../git/reverted.js';
import { CONDUCTOR, TOWN_ACTIONS } from '../core/types.js';
import { ConflictError, GitError, ValidationError } from '../errors.js';
import { newMessageId } from '../core/ids.js';
import { acquireLock } from '../store/lock.js';
import { MAX_TOWN_FILE_BYTES } from '../store/town-file.js';
export type { Trailer };
import { assertWritablePath, moveFile, removeFile, writeFileAtomic } from '../store/fs-safe.js';
import { TOWN_DIR_NAME } from '../store/paths.js';
import { ensureStateDir, refuseStateSymlink, statePaths, writeStateFile } from '../store/state-dir.js';
import { AGENT_NAME_PATTERN } from '../core/names.js';
import { migrateLegacyRunDir } from './local-state.js';
import type { Town } from '../store/town.js';

export interface ChangeDescription {
  action: string;
  /** The acting agent: commit author and `Tinytown-Agent`. */
  agent: string;
  summary: string;
  task?: string | null | undefined;
  messages?: readonly string[];
  /** Extra trailers after the standard ones, e.g. `Reviewed-by`. */
  trailers?: readonly Trailer[];
  body?: string;
}

export type CommitOutcome =
  | { status: 'committed' }
  | { status: 'unchanged' }
  | { status: 'disabled' }
  | { status: 'deferred'; reason: string };

/**
 * Collects the file operations of one change. They are applied only after the
 * change is journaled, so a crash at any point leaves either nothing or a
 * journal entry the next command completes.
 */
export class TownWriter {
  private readonly operations: Array<() => void> = [];
  readonly touched: string[] = [];
  readonly created: string[] = [];
  constructor(readonly root: string) {}

  write(rel: string, content: string): void {
    // What a writer accepts a reader can read: one limit for both (a larger file would be committed, then skipped by every reader).
    const bytes = Buffer.byteLength(content);
    if (bytes > MAX_TOWN_FILE_BYTES) {
      throw new ValidationError(`${rel} would be ${bytes} bytes; a town file holds at most ${MAX_TOWN_FILE_BYTES} (put long text in a file of the repository and refer to it)`, rel);
    }
    assertWritablePath(this.root, rel);
    if (!existsSync(path.join(this.root, rel))) this.created.push(rel);
    this.touched.push(rel);
    this.operations.push(() => writeFileAtomic(this.root, rel, content));
  }

  move(fromRel: string, toRel: string): void {
    assertWritablePath(this.root, fromRel);
    assertWritablePath(this.root, toRel);
    this.touched.push(fromRel, toRel);
    this.created.push(toRel);
    this.operations.push(() => moveFile(this.root, fromRel, toRel));
  }

  remove(rel: string): void {
    assertWritablePath(this.root, rel);
    this.touched.push(rel);
    this.operations.push(() => removeFile(this.root, rel));
  }

  apply(): void {
    for (const operation of this.operations.splice(0)) operation();
  }
}

interface PendingCommit {
  paths: string[];
  created: string[];
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
 * town paths only, one known action, a valid author, single-line trailers.
 */
export function validPendingCommit(data: unknown): PendingCommit | undefined {
  if (!data || typeof data !== 'object') return undefined;
  const entry = data as Partial<PendingCommit>;
  if (!Array.isArray(entry.paths) || entry.paths.length === 0 || !entry.paths.every(isTownPath)) return undefined;
  if (!Array.isArray(entry.created) || !entry.created.every(isTownPath)) return undefined;
  if (!isLine(entry.subject) || (entry.body !== undefined && typeof entry.body !== 'string')) return undefined;
  if (typeof entry.author !== 'string' || !AGENT_NAME_PATTERN.test(entry.author)) return undefined;
  if (!Array.isArray(entry.trailers) || !entry.trailers.every((t) => Array.isArray(t) && t.length === 2 && isLine(t[0]) && isLine(t[1]))) return undefined;
  const actions = entry.trailers.filter(([key]) => key === 'Tinytown-Action');
  if (actions.length !== 1 || !(TOWN_ACTIONS as readonly string[]).includes(actions[0]![1])) return undefined;
  return entry as PendingCommit;
}


export function changeTrailers(change: ChangeDescription): Trailer[] {
  // Every action tt commits is one of the known ones (a journal naming another is refused): a new one is added there.
  if (!(TOWN_ACTIONS as readonly string[]).includes(change.action)) throw new Error(`unknown town action "${change.action}" (add it to TOWN_ACTIONS)`);
  const trailers: Trailer[] = [
    ['Tinytown-Action', change.action],
    ['Tinytown-Agent', change.agent],
  ];
  if (change.task) trailers.push(['Tinytown-Task', change.task]);
  for (const message of change.messages ?? []) trailers.push(['Tinytown-Message', message]);
  return [...trailers, ...(change.trailers ?? [])];
}

export function changeSubject(change: ChangeDescription): string {
  const summary = change.summary.replace(/\s+/g, ' ').trim();
  const short = summary.length > 60 ? `${summary.slice(0, 59)}…` : summary;
  return `tt(${change.agent}): ${change.action}${short ? ` ${short}` : ''}`;
}

function listPending(root: string): string[] {
  try {
    return readdirSync(statePaths.pendingDir(root)).filter((name) => name.endsWith('.json')).sort();
  } catch {
    return [];
  }
}

function commitBlocker(town: Town): string | undefined {
  if (!town.gitDir) return 'this town is not in a git repository';
  const operation = operationInProgress(town.gitDir);
  return operation ? `a git ${operation} is in progress` : undefined;
}

/** Commits journaled changes in the order they were made. */
async function flushPending(town: Town): Promise<number> {
  let committed = 0;
  for (const name of listPending(town.root)) {
    const file = path.join(statePaths.pendingDir(town.root), name);
    let pending: PendingCommit | undefined;
    try {
      refuseStateSymlink(file);
      pending = validPendingCommit(JSON.parse(readFileSync(file, 'utf8')));
    } catch {
      pending = undefined;
    }
    if (!pending) {
      // Journals are written atomically and checked: this is damage from outside. Kept for tt doctor, never applied, never blocking.
      renameSync(file, `${file}.damaged`);
      continue;
    }
    if (await recordCommit(town, await commitPaths({ root: town.root, ...pending }))) committed++;
    unlinkSync(file);
  }
  return committed;
}


/**
 * Remembers tt's newest commit, so a later command can tell whether someone
 * else committed since, and checks at once when someone already did: a commit
 * that slipped in under ours (our parent is not the commit we recorded last)
 * or landed right after it (HEAD is no longer ours).
 */
async function recordCommit(town: Town, commit: string | null): Promise<boolean> {
  if (!commit || !town.gitDir) return commit !== null;
  const ours = findOwnCommit(town.gitDir, commit);
  if (!ours) {
    await restoreRevertedChanges(town);
    return true;
  }
  const last = readLastCommit(town);
  if (last !== undefined && readOwnCommitParent(town.gitDir, ours) !== last) await restoreRevertedChanges(town);
  writeStateFile(statePaths.lastCommit(town.root), ours);
  await restoreRevertedChanges(town);
  return true;
}

/** Our commit's full id: HEAD, or a few parents down when other commits landed on top already. */
function findOwnCommit(gitDir: string, abbreviated: string): string | undefined {
  let current = readHeadCommit(gitDir);
  for (let depth = 0; current && depth < 20; depth++) {
    if (current.startsWith(abbreviated)) return current;
    current = readCommitParent(gitDir, current) ?? undefined;
  }
  return undefined;
}

function readLastCommit(town: Town): string | undefined {
  try {
    return readFileSync(statePaths.lastCommit(town.root), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Re-commits town changes a concurrent user commit reverted (see git/reverted.ts). */
async function restoreRevertedChanges(town: Town): Promise<void> {
  if (!town.gitDir) return;
  const last = readLastCommit(town);
  const head = readHeadCommit(town.gitDir);
  if (!head || last && head.startsWith(last)) return;
  if (!last) {
    writeStateFile(statePaths.lastCommit(town.root), head);
    return;
  }
  const reverted = await revertedTownPaths(town.root, last, TOWN_DIR_NAME);
  const restored = reverted.length === 0 ? null : await commitPaths({
    root: town.root, paths: reverted, created: reverted, author: CONDUCTOR,
    subject: `tt(${CONDUCTOR}): restore ${reverted.length} town file(s) a concurrent commit reverted`,
    trailers: [['Tinytown-Action', 'restore'], ['Tinytown-Agent', CONDUCTOR]],
  });
  // Either way HEAD is now the baseline: later commits are compared with it.
  writeStateFile(statePaths.lastCommit(town.root), (restored ? readHeadCommit(town.gitDir) : undefined) ?? head);
}

/** Commits what earlier changes journaled (used by tt doctor --fix); returns how many commits it made. */
export async function flushJournal(town: Town): Promise<number> {
  const lock = await acquireLock(statePaths.lock(town.root));
  try {
    const blocker = commitBlocker(town);
    if (blocker) throw new ConflictError(`${blocker}: finish it first, then run this again`);
    return await flushPending(town);
  } finally {
    lock.release();
  }
}

export function pendingJournalEntries(root: string): string[] {
  return listPending(root).map((name) => path.join(statePaths.pendingDir(root), name));
}

/** Test hook: hold the lock mid-change so a test can kill the process there. */
function pauseForTests(): Promise<void> {
  const ms = Number(process.env.TINYTOWN_TEST_PAUSE_IN_LOCK_MS ?? 0);
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

export interface TransactionResult<T> {
  result: T;
  commit: CommitOutcome;
}

export async function transact<T>(
  town: Town,
  work: (writer: TownWriter) => { result: T; change: ChangeDescription } | Promise<{ result: T; change: ChangeDescription }>,
): Promise<TransactionResult<T>> {
  // Before the first lock: an older town's journal (run/pending/) is moved in and committed like any other.
  migrateLegacyRunDir(town.root);
  const lock = await acquireLock(statePaths.lock(town.root));
  try {
    const autoCommit = town.config.git.auto_commit;
    const blocker = autoCommit ? commitBlocker(town) : undefined;
    if (autoCommit && !blocker) {
      await restoreRevertedChanges(town);
      await flushPending(town);
    }
    const writer = new TownWriter(town.root);
    const { result, change } = await work(writer);
    if (writer.touched.length === 0) return { result, commit: { status: 'unchanged' } };
    if (!autoCommit) {
      writer.apply();
      return { result, commit: { status: 'disabled' } };
    }
    const pending: PendingCommit = {
      paths: writer.touched,
      created: writer.created,
      subject: changeSubject(change),
      ...(change.body ? { body: change.body } : {}),
      trailers: changeTrailers(change),
      author: change.agent,
    };
    const journalName = `${newMessageId(new Date())}.json`;
    const journal = path.join(ensureStateDir(town.root, 'pending'), journalName);
    // Atomic (temp + rename) but not fsynced: the journal only speeds up recovery; the town files themselves are fsynced.
    writeStateFile(journal, JSON.stringify(pending));
    try {
      writer.apply();
    } catch (error) {
      unlinkSync(journal);
      throw error;
    }
    await pauseForTests();
    if (blocker) {
      return { result, commit: { status: 'deferred', reason: `${blocker}: the change is written but not committed; the next tt command after it ends commits it` } };
    }
    try {
      if (listPending(town.root).length > 1) {
        await flushPending(town);
        return { result, commit: { status: 'committed' } };
      }
      const committed = await recordCommit(town, await commitPaths({ root: town.root, ...pending }));
      unlinkSync(journal);
      return { result, commit: { status: committed ? 'committed' : 'unchanged' } };
    } catch (error) {
      if (error instanceof GitError) error.message += ' (the change is written and journaled; the next tt command retries the commit)';
      throw error;
    }
  } finally {
    lock.release();
  }
}
