/**
 * The step of a task merge (task-merge.ts) that a kill could leave half done:
 * the town's branch has moved, but the person's index and work tree still
 * hold the old versions of the merged paths (their next commit would revert
 * the merge). So the step is journaled in the local state folder before the
 * branch moves, and the next tt write — any of them, inside the town lock,
 * before it reads anything (transaction.ts) — finishes it: the merged paths
 * are written into the checkout (those someone changed since are left alone)
 * and the task branch retired as after any merge, or, when the branch never
 * moved, the journal is simply dropped.
 *
 * The approval that goes with the merge is a journaled town change whose
 * commit waits for the merge (`PendingCommit.requires`, transaction.ts): it
 * is committed when the merge landed and dropped when it did not, so the two
 * happen both or neither.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { changedSinceCommitTask, checkoutFromCommitTask, treeEntriesTask } from '../git/merge-tree.js';
import { revParseTask, setIndexEntriesTask } from '../git/repo.js';
import { runTask } from '../git/task.js';
import { localStateDir, refuseStateSymlink, writeStateFile } from '../store/state-dir.js';
import type { Town } from '../store/town.js';
import { TASK_BRANCH_PATTERN } from '../core/validate.js';
import { retireMergedBranch } from './task-branches.js';

export interface MergeJournal {
  /** The town's branch (`refs/heads/…`) and its tip before and after the merge. */
  ref: string;
  from: string;
  to: string;
  /** The paths the merge changes: what the checkout must catch up with. */
  paths: string[];
  /** The task branch merged and its reviewed commit: retired once the merge is in. */
  branch?: string;
  reviewed?: string;
}

const COMMIT_ID = /^[0-9a-f]{40,64}$/;
const ZERO = (length: number) => '0'.repeat(length);

const journalFile = (root: string) => path.join(localStateDir(root), 'task-merge.json');

const isRepoPath = (p: unknown) => typeof p === 'string' && p !== '' && !p.startsWith('/') && !p.split('/').includes('..') && !p.includes('\0');

export const isBranchRef = (ref: unknown): ref is string => typeof ref === 'string' && /^refs\/heads\/\S+$/.test(ref);
export const isCommitId = (id: unknown): id is string => typeof id === 'string' && COMMIT_ID.test(id);

/** The journal, checked like any state file before use; a damaged one is dropped (it can only name a merge that is undecidable now). */
function readMergeJournal(root: string): MergeJournal | undefined {
  const file = journalFile(root);
  let data: Partial<MergeJournal>;
  try {
    refuseStateSymlink(file);
    data = JSON.parse(readFileSync(file, 'utf8')) as Partial<MergeJournal>;
  } catch {
    return undefined;
  }
  const valid = isBranchRef(data.ref) && isCommitId(data.from) && isCommitId(data.to) && Array.isArray(data.paths) && data.paths.every(isRepoPath)
    && (data.branch === undefined || (typeof data.branch === 'string' && TASK_BRANCH_PATTERN.test(data.branch) && isCommitId(data.reviewed)));
  if (!valid) rmSync(file, { force: true });
  return valid ? data as MergeJournal : undefined;
}

export function writeMergeJournal(root: string, journal: MergeJournal): void {
  writeStateFile(journalFile(root), JSON.stringify(journal));
}

export function removeMergeJournal(root: string): void {
  rmSync(journalFile(root), { force: true });
}

export function hasInterruptedMerge(town: Town): boolean {
  return existsSync(journalFile(town.root));
}

/**
 * Writes the merged paths into the person's index and work tree; nothing else
 * of theirs changes. One index write for the paths the merge keeps (`git
 * checkout <commit> -- paths`: the index is the one structure whose write
 * grows with the repository); paths it removes, rare, get a second.
 */
export async function updateCheckout(root: string, target: string, paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  const entries = await runTask(root, treeEntriesTask(target, paths));
  const present = new Set(entries.map((entry) => entry.path));
  const gone = paths.filter((p) => !present.has(p));
  if (gone.length > 0) {
    await runTask(root, setIndexEntriesTask(`${gone.map((p) => `0 ${ZERO(target.length)}\t${p}`).join('\n')}\n`));
    for (const file of gone) rmSync(path.join(root, file), { force: true });
  }
  if (present.size > 0) await runTask(root, checkoutFromCommitTask(target, [...present]));
}

/**
 * Finishes a merge a kill interrupted (call it under the town lock): when the
 * branch is at the merge, the checkout catches up (paths someone changed since
 * are left alone); when it never moved, there is nothing to undo. Returns the
 * paths updated.
 */
export async function finishInterruptedMerge(town: Town): Promise<string[]> {
  if (!hasInterruptedMerge(town)) return [];
  const journal = readMergeJournal(town.root);
  if (!journal) return [];
  const current = await runTask(town.root, revParseTask(journal.ref)).catch(() => undefined);
  let updated: string[] = [];
  if (current === journal.to && journal.paths.length > 0) {
    const touched = new Set(await runTask(town.root, changedSinceCommitTask(journal.from, journal.paths)));
    updated = journal.paths.filter((p) => !touched.has(p));
    await updateCheckout(town.root, journal.to, updated);
  }
  if (current === journal.to && journal.branch && journal.reviewed) await retireMergedBranch(town.root, journal.branch, journal.reviewed);
  removeMergeJournal(town.root);
  return updated;
}
