/**
 * Direct edits taken in (DESIGN §1). Given the town paths that changed, each
 * file is assessed (accept-plan.ts); what can be taken in is written and
 * committed with `Tinytown-Action: accept`, one commit per author per batch;
 * what cannot is left byte-for-byte as it is and reported — once per version
 * of the file — to the conductor's inbox. `tt watch` calls this for every
 * batch of changes; `tt watch --once` calls it with what git sees as pending.
 *
 * Messages are rewritten canonically (they are renamed anyway, so nobody holds
 * the new file open). Task files are committed exactly as written: rewriting a
 * file under the editor that has it open would make the editor's next save
 * fight ours, and the next tt command that changes the task canonicalises it.
 * The one exception: a hand-made state change that left its time unset
 * (`started` for running, `completed` for an end) is written with it filled in,
 * once, so the task says when it started or ended.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CONDUCTOR, type TaskState } from '../core/types.js';
import { objectFormat } from '../git/git-dir.js';
import { operationInProgress } from '../git/repo-state.js';
import { writeFileAtomic } from '../store/fs-safe.js';
import { localStateDir } from '../store/state-dir.js';
import { transact, type ChangeDescription, type CommitOutcome, type TownWriter, type Trailer } from './transaction.js';
import type { Town } from '../store/town.js';
import { assessPath, committedBlobs, readDisk, townFileAt, type Plan, type Problem } from './accept-plan.js';
import { journaledPaths } from './journal.js';
import { deliver } from './messages.js';

export { pendingTownPaths } from './accept-plan.js';

export type CommitStatus = CommitOutcome['status'];

export type AcceptEvent =
  | { action: 'accept'; what: 'message'; path: string; original: string; message: string; from: string; to: string; agent: string; commit: CommitStatus }
  | { action: 'accept'; what: 'task'; path: string; task: string; previous_state: TaskState | null; state: TaskState; agent: string; commit: CommitStatus }
  | { action: 'accept'; what: 'read-message'; path: string; message: string; agent: string; commit: CommitStatus }
  | { action: 'accept'; what: 'deletion'; path: string; agent: string; commit: CommitStatus }
  | { action: 'refuse'; path: string; line: number | null; problem: string; version: string }
  | { action: 'report'; path: string; message: string; commit: CommitStatus };

export interface AcceptResult {
  events: AcceptEvent[];
  /** Paths that changed again while they were being taken in: look at them again. */
  retry: string[];
  /** Why nothing was done (a git merge, rebase… is in progress); the paths are in `retry`. */
  blocked?: string;
  /** Diagnostics for stderr, e.g. a commit deferred. */
  notes: string[];
}

export interface AcceptOptions {
  /** Author of changes nobody in particular made (deletions, unassigned tasks): `--as`, else the conductor. */
  actor: string;
  now: () => Date;
}

/** In the local state folder: which versions of which files the conductor was already told about. */
const REPORTED_FILE = 'watch-reported.json';
/** Versions remembered per file; a file edited back and forth more often than this may be reported again. */
const REPORTED_VERSIONS_KEPT = 20;

type Reported = Record<string, string[]>;

function loadReported(root: string): Reported {
  try {
    const parsed = JSON.parse(readFileSync(path.join(localStateDir(root), REPORTED_FILE), 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Reported : {};
  } catch {
    return {};
  }
}

function commitNote(commit: CommitOutcome): string[] {
  return commit.status === 'deferred' ? [`note: ${commit.reason}`] : [];
}

/** The path only joins the commit: its new state (edited, created or deleted by hand) is already on disk. */
function takeAsIs(writer: TownWriter, rel: string, isNew: boolean): void {
  writer.touched.push(rel);
  if (isNew) writer.created.push(rel);
}

/**
 * Removes a hand-named file git never saw, after the canonical copy is written
 * (the writer applies its operations in order, after journaling). It is no
 * part of the commit: git has nothing to record for a path it never tracked.
 */
function discardUntracked(writer: TownWriter, rel: string): void {
  writer.remove(rel);
  const index = writer.touched.lastIndexOf(rel);
  if (index >= 0) writer.touched.splice(index, 1);
}

function applyPlan(writer: TownWriter, plan: Plan): void {
  const { snap } = plan;
  switch (plan.kind) {
    case 'message':
      if (!plan.rewrite) return takeAsIs(writer, snap.path, true);
      writer.write(plan.target, plan.content);
      if (plan.target === snap.path) {
        if (!writer.created.includes(snap.path)) writer.created.push(snap.path);
      } else if (snap.committed) {
        writer.remove(snap.path);
      } else {
        discardUntracked(writer, snap.path);
      }
      return;
    case 'task':
      if (plan.content !== undefined) return writer.write(snap.path, plan.content);
      return takeAsIs(writer, snap.path, !snap.committed);
    case 'read-message':
      return takeAsIs(writer, snap.path, !snap.committed);
    case 'deletion':
      return takeAsIs(writer, snap.path, false);
  }
}

function townRelative(rel: string): string {
  return rel.replace(/^\.tinytown\//, '');
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

function describePlan(plan: Plan): string {
  switch (plan.kind) {
    case 'message':
      return `message to ${plan.message.to} (hand-written ${path.posix.basename(plan.snap.path)}): ${firstLine(plan.message.body)}`;
    case 'task':
      if (plan.before === null) return `new task ${plan.task.id} (hand-written): ${plan.task.title}`;
      if (plan.before !== plan.task.state) return `${plan.task.id} ${plan.before} → ${plan.task.state} (edited by hand): ${plan.task.title}`;
      return `${plan.task.id} edited by hand: ${plan.task.title}`;
    case 'read-message':
      return `${plan.message.id} marked read by hand`;
    case 'deletion':
      return `deletion of ${townRelative(plan.snap.path)} (by hand)`;
  }
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function changeFor(author: string, applied: readonly Plan[]): ChangeDescription {
  const messages = applied.flatMap((plan) => (plan.kind === 'message' || plan.kind === 'read-message' ? [plan.message.id] : []));
  const tasks = [...new Set(applied.flatMap((plan) => (plan.kind === 'task' ? [plan.task.id] : [])))];
  let summary = applied.length === 1 ? describePlan(applied[0]!) : '';
  let body: string | undefined;
  if (applied.length > 1) {
    const count = (kind: Plan['kind']) => applied.filter((plan) => plan.kind === kind).length;
    const parts = [
      count('message') ? plural(count('message'), 'message') : '',
      count('task') ? plural(count('task'), 'task edit') : '',
      count('read-message') ? plural(count('read-message'), 'message marked read') : '',
      count('deletion') ? plural(count('deletion'), 'deletion') : '',
    ].filter(Boolean);
    summary = `${applied.length} direct edits: ${parts.join(', ')}`;
    const lines = applied.map(describePlan);
    body = [...lines.slice(0, 50), ...(lines.length > 50 ? [`… and ${lines.length - 50} more`] : [])].join('\n');
  }
  const trailers: Trailer[] = tasks.length > 1 ? tasks.map((task) => ['Tinytown-Task', task] as const) : [];
  return { action: 'accept', agent: author, summary, task: tasks.length === 1 ? tasks[0] : undefined, messages, trailers, ...(body ? { body } : {}) };
}

function acceptedEvent(plan: Plan, commit: CommitStatus): AcceptEvent {
  switch (plan.kind) {
    case 'message':
      return { action: 'accept', what: 'message', path: plan.target, original: plan.snap.path, message: plan.message.id, from: plan.message.from, to: plan.message.to, agent: plan.author, commit };
    case 'task':
      return { action: 'accept', what: 'task', path: plan.snap.path, task: plan.task.id, previous_state: plan.before, state: plan.task.state, agent: plan.author, commit };
    case 'read-message':
      return { action: 'accept', what: 'read-message', path: plan.snap.path, message: plan.message.id, agent: plan.author, commit };
    case 'deletion':
      return { action: 'accept', what: 'deletion', path: plan.snap.path, agent: plan.author, commit };
  }
}

/** Inside the lock: is the file still what we assessed? Another tt command may have committed or changed it since. */
function stillAsPlanned(town: Town, plan: Plan, fresh: ReadonlyMap<string, string>, journaled: ReadonlySet<string>, algorithm: 'sha1' | 'sha256'): boolean {
  const { snap } = plan;
  // tt's own change on its way into a commit (another writer's group commit): looked at again once it is in.
  if (journaled.has(snap.path) || (plan.kind === 'message' && journaled.has(plan.target))) return false;
  if (fresh.get(snap.path) !== snap.committed) return false;
  const disk = readDisk(town.root, snap.path, algorithm);
  if ((disk.state === 'missing' ? undefined : disk.hash) !== snap.hash) return false;
  if (plan.kind === 'message' && plan.target !== snap.path) return !fresh.has(plan.target) && !existsSync(path.join(town.root, plan.target));
  return true;
}

function reportBody(problem: Problem): string {
  const where = problem.line ? `${problem.path}:${problem.line}` : problem.path;
  return [
    `tt cannot take in ${where}: ${problem.problem}`,
    '',
    'The file is left exactly as it is and is not committed. Fix it and tt takes it in (tt watch, or the next tt inbox); delete it to drop it.',
    '',
  ].join('\n');
}

/** Sends the conductor one `info` message per problem not reported before (one commit), and remembers them. */
async function reportProblems(town: Town, problems: readonly Problem[], options: AcceptOptions, result: AcceptResult): Promise<void> {
  const reported = loadReported(town.root);
  const fresh = problems.filter((problem) => !reported[problem.path]?.includes(problem.version));
  if (fresh.length === 0) return;
  const { result: sent, commit } = await transact(town, (writer) => {
    const messages = fresh.map((problem) => ({
      problem,
      message: deliver(writer, { from: CONDUCTOR, type: 'info', body: reportBody(problem) }, [CONDUCTOR], options.now())[0]!,
    }));
    const what = fresh.length === 1 ? townRelative(fresh[0]!.path) : `${fresh.length} files`;
    return {
      result: messages,
      change: { action: 'send', agent: CONDUCTOR, summary: `to ${CONDUCTOR}: tt cannot take in ${what}`, messages: messages.map((m) => m.message.id) },
    };
  });
  result.notes.push(...commitNote(commit));
  // Re-read: tt watch and commands that read an inbox both write it; the later write keeps both as far as it can.
  const store = loadReported(town.root);
  for (const { problem, message } of sent) {
    store[problem.path] = [...(store[problem.path] ?? []), problem.version].slice(-REPORTED_VERSIONS_KEPT);
    result.events.push({ action: 'report', path: problem.path, message: message.id, commit: commit.status });
  }
  writeFileAtomic(localStateDir(town.root), REPORTED_FILE, JSON.stringify(store));
}

/** Forgets reported versions of files that are now fine (accepted, unchanged or gone). */
function forgetFixed(town: Town, paths: readonly string[]): void {
  const store = loadReported(town.root);
  const fixed = paths.filter((rel) => rel in store);
  if (fixed.length === 0) return;
  for (const rel of fixed) delete store[rel];
  writeFileAtomic(localStateDir(town.root), REPORTED_FILE, JSON.stringify(store));
}

/** Takes in the hand-made changes at `paths` (relative to the town root). See the file comment. */
export async function acceptDirectEdits(town: Town, paths: readonly string[], options: AcceptOptions): Promise<AcceptResult> {
  const result: AcceptResult = { events: [], retry: [], notes: [] };
  const candidates = [...new Set(paths)].filter((rel) => townFileAt(rel).kind !== 'other');
  if (candidates.length === 0) return result;
  const operation = town.gitDir ? operationInProgress(town.gitDir) : undefined;
  if (operation) return { ...result, retry: candidates, blocked: `a git ${operation} is in progress; direct edits are taken in when it ends` };

  const committed = await committedBlobs(town, candidates);
  const algorithm = town.gitDir ? objectFormat(town.gitDir) : 'sha1';
  const plans: Plan[] = [];
  const problems: Problem[] = [];
  const fine: string[] = [];
  const ctx = { town, actor: options.actor, now: options.now };
  for (const rel of candidates) {
    const assessment = await assessPath(ctx, rel, committed.get(rel), algorithm);
    if ('plan' in assessment) plans.push(assessment.plan);
    else if ('problem' in assessment) problems.push(assessment.problem);
    else fine.push(rel);
  }

  if (!town.config.git.auto_commit) {
    // Nothing is committed: a plan that would only commit a file as it is has nothing left to do.
    for (const plan of plans.splice(0)) {
      if (plan.kind === 'message' && plan.rewrite) plans.push(plan);
      else fine.push(plan.snap.path);
    }
  }

  const authors = [...new Set(plans.map((plan) => plan.author))];
  for (const author of authors) {
    const group = plans.filter((plan) => plan.author === author);
    const { result: applied, commit } = await transact(town, async (writer) => {
      const targets = group.flatMap((plan) => (plan.kind === 'message' && plan.target !== plan.snap.path ? [plan.snap.path, plan.target] : [plan.snap.path]));
      const fresh = await committedBlobs(town, targets);
      const journaled = journaledPaths(town.root);
      const done: Plan[] = [];
      for (const plan of group) {
        if (!stillAsPlanned(town, plan, fresh, journaled, algorithm)) {
          result.retry.push(plan.snap.path);
          continue;
        }
        applyPlan(writer, plan);
        done.push(plan);
      }
      return { result: done, change: changeFor(author, done) };
    });
    result.notes.push(...commitNote(commit));
    for (const plan of applied) {
      result.events.push(acceptedEvent(plan, commit.status));
      fine.push(plan.snap.path);
    }
  }

  for (const problem of problems) result.events.push({ action: 'refuse', ...problem });
  await reportProblems(town, problems, options, result);
  forgetFixed(town, fine);
  return result;
}

/** Per town path, the blob ids of its versions that were refused and reported (refused-edits.ts). */
export function reportedVersions(root: string): Map<string, string[]> {
  return new Map(Object.entries(loadReported(root)).filter((entry): entry is [string, string[]] => Array.isArray(entry[1])));
}
