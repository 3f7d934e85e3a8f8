/**
 * `tt doctor`: find what would hurt the town — files that do not parse,
 * conflict markers, duplicate ids, stale locks, leftover temp files,
 * unfinished commits, work assigned to agents that no longer exist, caches
 * nothing will read again — and, with --fix, repair what is safe to repair,
 * saying what it did. Nothing a human or agent wrote is ever deleted.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { Task } from '../core/types.js';
import { isOpen } from '../core/transitions.js';
import { isoNow } from '../core/ids.js';
import { statusTask, trackedPathsTask } from '../git/repo.js';
import { runTask } from '../git/task.js';
import { TEMP_FILE_PATTERN } from '../store/fs-safe.js';
import { isLockStale, isProcessAlive, readLockOwner } from '../store/lock.js';
import { formatTask } from '../store/records.js';
import { listAgents, listInboxOwners, listRead, listTasks, listUnread, readTask, type Problem } from '../store/reader.js';
import { TOWN_DIR_NAME, townPaths } from '../store/paths.js';
import { LEGACY_RUN_DIR, localStateDir, statePaths } from '../store/state-dir.js';
import { flushJournal, pendingJournalEntries, transact } from './transaction.js';
import { readTownConfig } from '../store/config.js';
import type { Town } from '../store/town.js';
import { agentNames } from './agents.js';
import { mergeSetupProblems, registerMergeDriver } from './merge-setup.js';
import { MERGED_BODY_MARKER } from '../core/merge.js';
import type { OpContext } from './context.js';
import { holdsRefusedEdit } from './refused-edits.js';
import { checkParallelWork, fixParallelWork, type ParallelFindingKind } from './doctor-parallel.js';

export type FindingKind =
  | 'unparseable' | 'conflict-markers' | 'symlink' | 'duplicate-id' | 'stale-lock' | 'temp-file'
  | 'unfinished-commit' | 'uncommitted' | 'orphan-task' | 'orphan-inbox' | 'config'
  | 'merged-body' | 'merge-driver' | 'stale-cache' | 'not-a-folder' | 'tracked-run' | 'damaged-journal'
  | ParallelFindingKind;

export interface Finding {
  kind: FindingKind;
  file: string | null;
  message: string;
  /** What --fix does about it, when it can do something safe. */
  fix: string | null;
  fixed: boolean;
}

function finding(kind: FindingKind, file: string | null, message: string, fix: string | null = null): Finding {
  return { kind, file, message, fix, fixed: false };
}

function problemFinding(problem: Problem): Finding {
  const kind: FindingKind = /conflict marker/.test(problem.message) ? 'conflict-markers' : /symlink/.test(problem.message) ? 'symlink' : 'unparseable';
  return finding(kind, problem.file, `${problem.line ? `line ${problem.line}: ` : ''}${problem.message}`);
}

/** Every file under .tinytown/ except the legacy run/, without following symlinks. */
function walkTown(root: string): string[] {
  const files: string[] = [];
  const visit = (rel: string) => {
    let entries;
    try {
      entries = readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = `${rel}/${entry.name}`;
      if (child === LEGACY_RUN_DIR) continue;
      if (entry.isDirectory()) visit(child);
      else files.push(child);
    }
  };
  visit(TOWN_DIR_NAME);
  return files;
}

function checkFiles(town: Town, findings: Finding[]): { tasks: Task[]; agents: Set<string> } {
  try {
    readTownConfig(town.root);
  } catch (error) {
    findings.push(finding('config', townPaths.config, (error as Error).message));
  }
  const agents = listAgents(town.root);
  const tasks = listTasks(town.root);
  const problems = [...agents.problems, ...tasks.problems];
  const messageFiles = new Map<string, string[]>();
  const bodies: Array<[file: string, body: string]> = [
    ...tasks.items.map((t) => [townPaths.task(t.id), t.body] as [string, string]),
    ...agents.items.map((a) => [townPaths.agent(a.name), a.body] as [string, string]),
  ];
  for (const owner of listInboxOwners(town.root)) {
    const listings = [[listUnread(town.root, owner), townPaths.unread], [listRead(town.root, owner), townPaths.read]] as const;
    for (const [listing, fileOf] of listings) {
      problems.push(...listing.problems);
      for (const message of listing.items) {
        messageFiles.set(message.id, [...(messageFiles.get(message.id) ?? []), fileOf(owner, message.id)]);
        bodies.push([fileOf(owner, message.id), message.body]);
      }
    }
  }
  findings.push(...problems.map(problemFinding));
  for (const [file, body] of bodies) {
    if (body.split('\n').includes(MERGED_BODY_MARKER)) findings.push(finding('merged-body', file, `edited on two clones at once; the merge kept both texts, separated by the line "${MERGED_BODY_MARKER}": edit the file to keep what is right and remove that line`));
  }
  for (const [id, files] of messageFiles) {
    if (files.length > 1) findings.push(finding('duplicate-id', files[0]!, `message id ${id} appears ${files.length} times (${files.join(', ')}); each message must have one file`));
  }
  for (const file of walkTown(town.root)) {
    const name = path.posix.basename(file);
    if (TEMP_FILE_PATTERN.test(name)) findings.push(finding('temp-file', file, 'a temp file left by an interrupted write', 'delete it (its content was never the file\'s)'));
    else if (lstatSync(path.join(town.root, file)).isSymbolicLink() && !problems.some((p) => p.file === file)) {
      findings.push(finding('symlink', file, 'a symlink inside the town; tt never follows it'));
    }
  }
  return { tasks: tasks.items, agents: new Set(agents.items.map((a) => a.name)) };
}

/** `<file>.<pid>.tmp` or `<file>.<pid>.<random>.tmp`: how the state folder is written (temp, then rename). */
const RUN_TEMP_FILE = /\.(\d{1,10})(?:\.[0-9a-z]+)?\.tmp$/;
/**
 * A temp file is left over only when its writer is dead *and* it is this old:
 * a writer may finish and exit between the listing and the pid check, and one
 * in another pid namespace (a sandboxed agent) looks dead while it writes.
 */
const LEFTOVER_TEMP_AGE_MS = 60_000;
/** Caches of one inbox folder: cache/inbox-<agent>.json, cache/parsed/{inbox,read}-<agent>.json in the state folder. */
const INBOX_CACHE_FILE = /^(?:inbox|read)-(.+)\.json$/;

/**
 * The temp files and caches in the local state folder are tt's own and disposable, so what
 * nothing will read again may go: the temp file of a process killed mid-write,
 * and the caches of the inbox of an agent that no longer exists, when its
 * folder is gone too (an agent's empty inbox has a cache of its own).
 */
function checkRunFiles(town: Town, agents: ReadonlySet<string>, now: number, findings: Finding[]): void {
  const cacheDir = statePaths.cacheDir(town.root);
  const visit = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const file = path.join(dir, entry.name);
      // Reported relative to the repository root, as town paths are (`.git/tinytown/…` in a main work tree).
      const shown = path.relative(town.root, file);
      if (entry.isDirectory()) {
        visit(file);
        continue;
      }
      if (!entry.isFile()) continue;
      const writer = RUN_TEMP_FILE.exec(entry.name)?.[1];
      if (writer !== undefined) {
        const age = now - lstatSync(file).mtimeMs;
        if (!isProcessAlive(Number(writer)) && age > LEFTOVER_TEMP_AGE_MS) {
          findings.push(finding('temp-file', shown, `a temp file left by pid ${writer}, which no longer exists`, 'delete it (its content was never the file\'s)'));
        }
        continue;
      }
      if (entry.name.endsWith('.damaged')) {
        findings.push(finding('damaged-journal', shown, 'a journal entry that did not parse or named something other than town files; it was never applied', null));
        continue;
      }
      const owner = dir === cacheDir || dir.startsWith(`${cacheDir}${path.sep}`) ? INBOX_CACHE_FILE.exec(entry.name)?.[1] : undefined;
      if (owner !== undefined && !agents.has(owner) && !existsSync(path.join(town.root, townPaths.inbox(owner)))) {
        findings.push(finding('stale-cache', shown, `a cache of the inbox of ${owner}, which no longer exists`, 'delete it (a cache is rebuilt when needed)'));
      }
    }
  };
  visit(localStateDir(town.root));
}

/**
 * What a file system can hold that no town can: a plain file where the town
 * needs a folder (inbox/<agent>/read, tasks, …). Every reader and writer
 * refuses to go through it; doctor names it, and --fix moves it aside.
 */
function checkFolders(town: Town, findings: Finding[]): void {
  const folders = [townPaths.agentsDir, townPaths.tasksDir, townPaths.inboxRoot];
  for (const owner of listInboxOwners(town.root)) folders.push(townPaths.inbox(owner), townPaths.readDir(owner));
  for (const rel of folders) {
    let stat;
    try {
      stat = lstatSync(path.join(town.root, rel));
    } catch {
      continue;
    }
    if (!stat.isDirectory() && !stat.isSymbolicLink()) {
      findings.push(finding('not-a-folder', rel, 'a file stands where the town needs a folder', `move it to ${rel}.moved-aside and create the folder`));
    }
  }
}

function checkLocks(town: Town, findings: Finding[]): void {
  for (const [lock, what] of [[statePaths.lock(town.root), 'the town lock'], [statePaths.commitLock(town.root), 'the commit lock']] as const) {
    try {
      lstatSync(lock);
    } catch {
      continue;
    }
    if (isLockStale(lock)) {
      const owner = readLockOwner(lock);
      findings.push(finding('stale-lock', path.relative(town.root, lock), `${what} is held by pid ${owner?.pid ?? '?'}, which no longer exists`, 'remove the lock'));
    }
  }
}

async function checkGit(town: Town, findings: Finding[]): Promise<void> {
  for (const entry of pendingJournalEntries(town.root)) {
    findings.push(finding('unfinished-commit', entry, 'a change that was written but not committed yet (a crash, or a merge in progress)', 'commit it'));
  }
  if (!town.gitDir) return;
  // Local state committed by someone (a force-add, a push): data from a collaborator, which tt never reads as its own.
  const trackedRun = await runTask(town.root, trackedPathsTask(LEGACY_RUN_DIR));
  if (trackedRun.length > 0) {
    findings.push(finding('tracked-run', LEGACY_RUN_DIR, `${trackedRun.length} file(s) under ${LEGACY_RUN_DIR}/ are committed; tt keeps local state in the git directory and ignores them (git rm -r --cached ${LEGACY_RUN_DIR} and commit, to remove them from the branch)`));
  }
  for (const problem of await mergeSetupProblems(town)) findings.push(finding('merge-driver', null, problem, 'register it (what tt init does in a clone)'));
  const status = await runTask(town.root, statusTask(TOWN_DIR_NAME));
  const journaled = pendingJournalEntries(town.root).length > 0;
  const alreadyReported = new Set(findings.map((item) => item.file));
  for (const { code, path: file } of status) {
    // Committing the journal takes these in; damaged and temp files are reported already.
    if (journaled || alreadyReported.has(file) || TEMP_FILE_PATTERN.test(path.posix.basename(file))) continue;
    // A hand edit tt watch already refused is no edit waiting to be taken in: readers show the committed version.
    const refused = holdsRefusedEdit(town.root, file);
    findings.push(finding('uncommitted', file, refused
      ? 'a hand edit tt refused (tt watch told the conductor why): tt shows the committed version; undo the edit (git checkout -- FILE), or make the change with tt'
      : `changed by hand and not committed (${code.trim()}); \`tt watch\` takes valid direct edits in`));
  }
}

function checkOrphans(town: Town, tasks: readonly Task[], agents: ReadonlySet<string>, findings: Finding[]): Task[] {
  const orphans: Task[] = [];
  for (const task of tasks.filter(isOpen)) {
    const missing = [task.assignee, task.reviewer].filter((name): name is string => name !== null && !agents.has(name));
    if (missing.length === 0) continue;
    orphans.push(task);
    const fix = task.assignee && !agents.has(task.assignee) ? 'return it to the backlog (pending, unassigned)' : 'clear the reviewer (and send it back to assigned if it was in review)';
    findings.push(finding('orphan-task', townPaths.task(task.id), `${task.id} (${task.state}) names ${missing.join(' and ')}, which no longer exist${missing.length > 1 ? '' : 's'}`, fix));
  }
  for (const owner of listInboxOwners(town.root)) {
    if (agents.has(owner)) continue;
    const unread = listUnread(town.root, owner).items.length;
    if (unread > 0) findings.push(finding('orphan-inbox', townPaths.inbox(owner), `${unread} unread message(s) for ${owner}, which no longer exists; respawn it or reroute them — tt never drops a message`));
  }
  return orphans;
}

function repairOrphan(task: Task, agents: ReadonlySet<string>, now: string): Task {
  const next = { ...task, updated: now };
  if (next.reviewer && !agents.has(next.reviewer)) {
    next.reviewer = null;
    if (next.state === 'review') next.state = 'assigned';
  }
  if (next.assignee && !agents.has(next.assignee)) {
    next.assignee = null;
    next.state = 'pending';
    next.started = null;
  }
  return next;
}

export async function diagnoseTown(ctx: OpContext, options: { fix: boolean }): Promise<Finding[]> {
  const { town } = ctx;
  const findings: Finding[] = [];
  const { tasks, agents } = checkFiles(town, findings);
  checkFolders(town, findings);
  checkLocks(town, findings);
  checkRunFiles(town, agents, ctx.now().getTime(), findings);
  await checkGit(town, findings);
  const orphans = checkOrphans(town, tasks, agents, findings);
  // Reservations, agents' worktrees, task branches (doctor-parallel.ts).
  const parallel = await checkParallelWork(town, tasks, ctx.now());
  findings.push(...parallel);
  if (!options.fix) return findings;
  await fixParallelWork(ctx, parallel);

  for (const item of findings) {
    if ((item.kind === 'temp-file' || item.kind === 'stale-cache') && item.file) {
      // force: another tt (or another doctor) may have removed it since it was listed.
      rmSync(path.resolve(town.root, item.file), { force: true });
      item.fixed = true;
    }
    if (item.kind === 'stale-lock' && item.file && isLockStale(path.resolve(town.root, item.file))) {
      unlinkSync(path.resolve(town.root, item.file));
      item.fixed = true;
    }
    if (item.kind === 'not-a-folder' && item.file) {
      // Moved aside, never deleted: it may be someone's text.
      const file = path.join(town.root, item.file);
      renameSync(file, `${file}.moved-aside`);
      mkdirSync(file);
      item.fixed = true;
    }
  }
  if (findings.some((item) => item.kind === 'merge-driver')) {
    await registerMergeDriver(town, ctx.actor);
    for (const item of findings) if (item.kind === 'merge-driver') item.fixed = true;
  }
  const unfinished = findings.filter((item) => item.kind === 'unfinished-commit');
  if (unfinished.length > 0) {
    await flushJournal(town);
    for (const item of unfinished) item.fixed = true;
  }
  if (orphans.length > 0) {
    const known = new Set(agentNames(town));
    await transact(town, (writer) => {
      const now = isoNow(ctx.now());
      // Re-read inside the lock: an agent may have changed the task since we looked.
      for (const { id } of orphans) writer.write(townPaths.task(id), formatTask(repairOrphan(readTask(town.root, id), known, now)));
      return { result: undefined, change: { action: 'doctor', agent: ctx.actor, summary: `returned ${orphans.length} orphaned task(s)` } };
    });
    for (const item of findings) if (item.kind === 'orphan-task') item.fixed = true;
  }
  return findings;
}
