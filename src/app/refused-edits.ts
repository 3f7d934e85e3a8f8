/**
 * A hand edit the watcher refused (say `pending → completed`) stays on disk,
 * untouched and uncommitted, until someone fixes or undoes it. Readers must
 * not present it as the town's state: `tt task list` and `tt task show` show
 * the committed version of such a file instead, and say so.
 *
 * A refused version is known by its blob id, recorded when it was reported
 * (accept.ts, watch-reported.json in the local state folder), so checking
 * costs nothing while nothing was refused.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Task } from '../core/types.js';
import { committedTextTask } from '../git/repo.js';
import { runTaskSync } from '../git/task.js';
import { parseTask } from '../store/records.js';
import { townPaths } from '../store/paths.js';
import type { Town } from '../store/town.js';
import { blobId } from '../git/trees.js';
import { reportedVersions } from './accept.js';

export interface RefusedEdit {
  path: string;
  /** The committed version, or null when the file was never committed (a refused new file). */
  committed: Task | null;
}

/** The refused hand edits among these tasks' files (as they are on disk now). */
export function refusedTaskEdits(town: Town, tasks: readonly Task[]): Map<string, RefusedEdit> {
  const found = new Map<string, RefusedEdit>();
  const reported = reportedVersions(town.root);
  if (reported.size === 0) return found;
  for (const task of tasks) {
    const rel = townPaths.task(task.id);
    if (!holdsReportedVersion(town.root, rel, reported)) continue;
    const text = runTaskSync(town.root, committedTextTask(rel));
    let committed: Task | null = null;
    try {
      committed = text === undefined ? null : parseTask(text, rel);
    } catch {
      committed = null;
    }
    found.set(task.id, { path: rel, committed });
  }
  return found;
}

/** Whether the file `rel` holds, as it is now, a version tt watch refused and reported (any town file). */
export function holdsRefusedEdit(root: string, rel: string): boolean {
  return holdsReportedVersion(root, rel, reportedVersions(root));
}

function holdsReportedVersion(root: string, rel: string, reported: ReadonlyMap<string, readonly string[]>): boolean {
  const versions = reported.get(rel);
  if (!versions) return false;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path.join(root, rel));
  } catch {
    return false;
  }
  return versions.includes(blobId(bytes, 'sha1')) || versions.includes(blobId(bytes, 'sha256'));
}

/** The tasks as committed where a hand edit of them was refused, and a note for each. */
export function withoutRefusedEdits(town: Town, tasks: readonly Task[]): { tasks: Task[]; notes: string[] } {
  const refused = refusedTaskEdits(town, tasks);
  if (refused.size === 0) return { tasks: [...tasks], notes: [] };
  const notes: string[] = [];
  const shown: Task[] = [];
  for (const task of tasks) {
    const edit = refused.get(task.id);
    if (!edit) {
      shown.push(task);
      continue;
    }
    notes.push(`warning: ${edit.path} holds a hand edit tt refused (the conductor was told why); ${edit.committed ? 'showing the committed version' : 'it was never committed, so it is not shown'} (undo the edit, or make the change with tt)`);
    if (edit.committed) shown.push(edit.committed);
  }
  return { tasks: shown, notes };
}

/** True when some task file has a refused hand edit on record (then a cached listing of the files as they are is not the answer). */
export function hasRefusedTaskEdits(town: Town): boolean {
  for (const rel of reportedVersions(town.root).keys()) if (rel.startsWith(`${townPaths.tasksDir}/`)) return true;
  return false;
}
