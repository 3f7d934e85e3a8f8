/**
 * The one-time move of an older town's `.tinytown/run/` into the local state
 * folder (store/state-dir.ts). Only a folder git does not track is moved:
 * one that is tracked came from a commit — a collaborator's push — so it is
 * data, never state tt acts on; it is left alone for `tt doctor` to report.
 * Of what is moved, only what is worth keeping goes (agents' states and logs,
 * unfinished commits, merge notices); caches, prompts and locks are rebuilt.
 * Afterwards `.tinytown/run/` is removed and never read again.
 */
import { lstatSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { trackedPathsTask } from '../git/repo.js';
import { runTaskSync } from '../git/task.js';
import { LEGACY_RUN_DIR, localStateDir } from '../store/state-dir.js';

/** What is moved from the old folder; everything else there is disposable. */
const KEPT = ['agents', 'logs', 'pending', 'merge-notices', 'last-commit', 'watch-reported.json'];

/** Towns whose run/ is tracked: asked once per process, not at every command of a long-lived one. */
const trackedRun = new Set<string>();

/** Moves `.tinytown/run/` into the state folder if it is there and untracked; true when something moved. One lstat when there is none. */
export function migrateLegacyRunDir(root: string): boolean {
  if (trackedRun.has(root)) return false;
  const legacy = path.join(root, LEGACY_RUN_DIR);
  try {
    if (!lstatSync(legacy).isDirectory()) return false;
  } catch {
    return false;
  }
  const stateDir = localStateDir(root);
  if (stateDir === legacy) return false; // a town outside git keeps it where it is
  let tracked: string[];
  try {
    tracked = runTaskSync(root, trackedPathsTask(LEGACY_RUN_DIR));
  } catch {
    return false; // git cannot say: leave it for another time
  }
  if (tracked.length > 0) {
    trackedRun.add(root);
    return false;
  }
  for (const name of readdirSync(legacy)) {
    if (KEPT.includes(name)) moveInto(path.join(legacy, name), path.join(stateDir, name));
  }
  rmSync(legacy, { recursive: true, force: true });
  return true;
}

/**
 * Moves a file or a folder's entries (one level: the kept folders hold files).
 * A symlink is never carried over (it could point anywhere); what is already
 * in the state folder wins.
 */
function moveInto(from: string, to: string): void {
  const stat = lstatSync(from);
  if (stat.isSymbolicLink()) return;
  if (!stat.isDirectory()) {
    if (!exists(to)) renameSync(from, to);
    return;
  }
  if (!exists(to)) {
    renameSync(from, to);
    return;
  }
  if (!lstatSync(to).isDirectory()) return;
  for (const name of readdirSync(from)) {
    const entry = path.join(from, name);
    if (lstatSync(entry).isFile() && !exists(path.join(to, name))) renameSync(entry, path.join(to, name));
  }
}

function exists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}
