/**
 * A town change: take the lock, re-read what the change depends on, write
 * files atomically, commit exactly the touched paths, release. The commit is
 * journaled under run/pending/ first, so a change whose commit had to wait (a
 * merge in progress) or was interrupted is committed by the next tt write.
 */
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commitPaths, type Trailer } from '../git/commit.js';
import { operationInProgress } from '../git/repo-state.js';
import { GitError } from '../errors.js';
import { newMessageId } from '../core/ids.js';
import { acquireLock } from './lock.js';
export type { Trailer };
import { moveFile, removeFile, writeFileAtomic } from './fs-safe.js';
import { townPaths } from './paths.js';
import type { Town } from './town.js';

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

/** Collects the file operations of one change, so the commit can name exactly those paths. */
export class TownWriter {
  readonly touched: string[] = [];
  constructor(readonly root: string) {}

  write(rel: string, content: string): void {
    writeFileAtomic(this.root, rel, content);
    this.touched.push(rel);
  }

  move(fromRel: string, toRel: string): void {
    moveFile(this.root, fromRel, toRel);
    this.touched.push(fromRel, toRel);
  }

  remove(rel: string): void {
    removeFile(this.root, rel);
    this.touched.push(rel);
  }
}

interface PendingCommit {
  paths: string[];
  subject: string;
  body?: string;
  trailers: Trailer[];
  author: string;
}

const PENDING_DIR = `${townPaths.runDir}/pending`;
const LOCK_FILE = `${townPaths.runDir}/lock`;

export function changeTrailers(change: ChangeDescription): Trailer[] {
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
    return readdirSync(path.join(root, PENDING_DIR)).filter((name) => name.endsWith('.json')).sort();
  } catch {
    return [];
  }
}

function commitBlocker(town: Town): string | undefined {
  if (!town.gitDir) return 'this town is not in a git repository';
  const operation = operationInProgress(town.gitDir);
  return operation ? `a git ${operation} is in progress` : undefined;
}

/** Commits journaled changes in the order they were made; stops at the first that cannot commit yet. */
async function flushPending(town: Town): Promise<void> {
  for (const name of listPending(town.root)) {
    const file = path.join(town.root, PENDING_DIR, name);
    const pending = JSON.parse(readFileSync(file, 'utf8')) as PendingCommit;
    await commitPaths({ root: town.root, ...pending });
    unlinkSync(file);
  }
}

export interface TransactionResult<T> {
  result: T;
  commit: CommitOutcome;
}

export async function transact<T>(
  town: Town,
  work: (writer: TownWriter) => { result: T; change: ChangeDescription } | Promise<{ result: T; change: ChangeDescription }>,
): Promise<TransactionResult<T>> {
  mkdirSync(path.join(town.root, townPaths.runDir), { recursive: true });
  const lock = await acquireLock(path.join(town.root, LOCK_FILE));
  try {
    const autoCommit = town.config.git.auto_commit;
    const blocker = autoCommit ? commitBlocker(town) : undefined;
    if (autoCommit && !blocker) await flushPending(town);
    const writer = new TownWriter(town.root);
    const { result, change } = await work(writer);
    if (writer.touched.length === 0) return { result, commit: { status: 'unchanged' } };
    if (!autoCommit) return { result, commit: { status: 'disabled' } };
    const pending: PendingCommit = {
      paths: writer.touched,
      subject: changeSubject(change),
      ...(change.body ? { body: change.body } : {}),
      trailers: changeTrailers(change),
      author: change.agent,
    };
    const journal = path.join(town.root, PENDING_DIR, `${newMessageId(new Date())}.json`);
    mkdirSync(path.dirname(journal), { recursive: true });
    writeFileSync(journal, JSON.stringify(pending));
    if (blocker) {
      return { result, commit: { status: 'deferred', reason: `${blocker}: the change is written but not committed; the next tt command after it ends commits it` } };
    }
    try {
      if (listPending(town.root).length > 1) {
        await flushPending(town);
        return { result, commit: { status: 'committed' } };
      }
      const committed = await commitPaths({ root: town.root, ...pending });
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
