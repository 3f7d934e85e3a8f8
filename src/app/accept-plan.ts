/**
 * Deciding what to do with one hand-changed town file: read it, compare it
 * with what git has, validate it, and plan the change (or say, with a line
 * number, why it cannot be taken in). Nothing here writes; accept.ts does.
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TinytownError, ValidationError } from '../errors.js';
import { newMessageId, isoNow } from '../core/ids.js';
import { classifyTownFile, completeMessageFields, fieldLine, hasCanonicalName, type TownFile } from '../core/direct-edits.js';
import { illegalStateChangeReason, isLegalStateChange } from '../core/state-change.js';
import { CONDUCTOR, type Message, type Task, type TaskState } from '../core/types.js';
import { toMessage } from '../core/validate.js';
import { parseFrontmatter } from '../store/codec.js';
import { formatMessage, formatTask, parseMessage, parseTask } from '../store/records.js';
import { MAX_TOWN_FILE_BYTES } from '../store/reader.js';
import { TOWN_DIR_NAME, townPaths } from '../store/paths.js';
import type { Town } from '../store/town.js';
import { changedPathsTask, committedTextTask, committedBlobsTask, untrackedPathsTask } from '../git/repo.js';
import { runTask } from '../git/task.js';
import { looseCommittedBlobs } from '../git/commit-builder.js';
import { objectFormat } from '../git/git-dir.js';
import { blobId } from '../git/trees.js';
import { agentNames, resolveAgent } from './agents.js';

/** A file as it was when we looked: its content's git blob id, and the blob id HEAD holds for it. */
export interface Snapshot {
  path: string;
  /** Blob id of the content on disk; undefined when the file is missing. */
  hash: string | undefined;
  /**
   * Blob id in HEAD; undefined when no commit holds the path. HEAD, not the
   * index: tt sets a town path's index entry only after committing it, and a
   * version a person staged by hand is a direct edit to take in like any other.
   */
  committed: string | undefined;
}

export type Plan =
  /** A message dropped in an inbox: completed and written canonically under its canonical name. */
  | { kind: 'message'; snap: Snapshot; author: string; target: string; content: string; message: Message; rewrite: boolean }
  /**
   * A task created or edited by hand, committed exactly as written — unless
   * the edit moved its state and left the time of that move unset
   * (`started`, `completed`): then it is written canonically with that time
   * filled in (`content`), as `tt task start` would have.
   */
  | { kind: 'task'; snap: Snapshot; author: string; task: Task; before: TaskState | null; content?: string }
  /** A message put in read/ by hand (marking it read), committed as written. */
  | { kind: 'read-message'; snap: Snapshot; author: string; message: Message }
  /** A committed town file deleted by hand. */
  | { kind: 'deletion'; snap: Snapshot; author: string };

export interface Problem {
  path: string;
  line: number | null;
  problem: string;
  /** Identifies this version of the file (blob id), so it is reported once. */
  version: string;
}

export type Assessment = { plan: Plan } | { problem: Problem } | { skip: true };

export interface PlanContext {
  town: Town;
  /** Author of changes nobody in particular made (deletions, unassigned tasks). */
  actor: string;
  now: () => Date;
}

/** A refusal with the line it is about. */
class Refusal extends Error {
  constructor(message: string, readonly line?: number) {
    super(message);
  }
}

const TOWN_PREFIX = `${TOWN_DIR_NAME}/`;

/** What kind of town file a path (relative to the town root) is. */
export function townFileAt(rel: string): TownFile {
  return rel.startsWith(TOWN_PREFIX) ? classifyTownFile(rel.slice(TOWN_PREFIX.length)) : { kind: 'other' };
}

// ------------------------------------------------------------------ git's view

const PATHS_PER_GIT_CALL = 1000;

/** HEAD's blob ids of the given paths (from loose trees, else one git process per thousand paths). */
export async function committedBlobs(town: Town, paths: readonly string[]): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  if (!town.gitDir || paths.length === 0) return entries;
  // A town at the top of its repository (paths from the town root are paths from the top): trees read in-process where loose.
  const loose = existsSync(path.join(town.root, '.git')) ? looseCommittedBlobs(town.gitDir, objectFormat(town.gitDir), paths) : undefined;
  if (loose) return loose;
  for (let start = 0; start < paths.length; start += PATHS_PER_GIT_CALL) {
    const chunk = paths.slice(start, start + PATHS_PER_GIT_CALL);
    for (const [file, blob] of await runTask(town.root, committedBlobsTask(chunk))) entries.set(file, blob);
  }
  return entries;
}

/** The committed text of a file, or undefined when HEAD has none. */
async function committedText(town: Town, rel: string): Promise<string | undefined> {
  return runTask(town.root, committedTextTask(rel));
}

/** Hand-named files in the inboxes and tasks/ (for a town outside git, where git cannot say what is new). */
function handNamedFiles(root: string): string[] {
  const list = (rel: string) => {
    try {
      return readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return [];
    }
  };
  const folders = [townPaths.tasksDir, ...list(townPaths.inboxRoot).filter((e) => e.isDirectory()).map((e) => `${townPaths.inboxRoot}/${e.name}`)];
  return folders.flatMap((folder) => list(folder).filter((e) => !e.isDirectory()).map((e) => `${folder}/${e.name}`))
    .filter((rel) => {
      const file = townFileAt(rel);
      return file.kind !== 'other' && !hasCanonicalName(file);
    });
}

/**
 * Town files git sees as new, modified or deleted: what a watcher that was
 * not running has to catch up on. `git diff` rather than `ls-files -m`: it
 * compares content where the index's stat data is stale (a fresh clone, a
 * touched tree), so 100,000 unchanged files are not handed over for hashing.
 */
export async function pendingTownPaths(town: Town): Promise<string[]> {
  if (!town.gitDir) return handNamedFiles(town.root);
  const [untracked, changed] = await Promise.all([
    runTask(town.root, untrackedPathsTask(TOWN_DIR_NAME)),
    runTask(town.root, changedPathsTask(TOWN_DIR_NAME)),
  ]);
  const paths = [...new Set([...untracked, ...changed])];
  return paths.filter((rel) => townFileAt(rel).kind !== 'other');
}

// ------------------------------------------------------------------ the disk's view

type DiskState =
  | { state: 'missing' }
  | { state: 'present'; text: string; hash: string }
  | { state: 'unreadable'; hash: string; problem: string };

export function readDisk(root: string, rel: string, algorithm: 'sha1' | 'sha256'): DiskState {
  const full = path.join(root, rel);
  let stat;
  try {
    stat = lstatSync(full);
  } catch {
    return { state: 'missing' };
  }
  if (stat.isDirectory()) return { state: 'missing' };
  if (stat.isSymbolicLink()) return { state: 'unreadable', hash: `symlink-${stat.ino}-${stat.mtimeMs}`, problem: 'is a symlink; tt does not follow symlinks in the town' };
  if (stat.size > MAX_TOWN_FILE_BYTES) {
    return { state: 'unreadable', hash: `large-${stat.size}-${stat.mtimeMs}`, problem: `${stat.size} bytes is too large for a town file (at most ${MAX_TOWN_FILE_BYTES})` };
  }
  try {
    const bytes = readFileSync(full);
    return { state: 'present', text: bytes.toString('utf8'), hash: blobId(bytes, algorithm) };
  } catch {
    return { state: 'missing' };
  }
}

// ------------------------------------------------------------------ assessing one file

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function toProblem(snap: Snapshot, text: string, error: unknown): Problem {
  const version = snap.hash ?? 'missing';
  if (error instanceof Refusal) return { path: snap.path, line: error.line ?? null, problem: error.message, version };
  if (error instanceof ValidationError) {
    const line = error.line ?? (error.field ? fieldLine(text, error.field) : undefined) ?? null;
    const problem = error.message.replace(new RegExp(`^${escapeRegExp(snap.path)}(:\\d+)?: `), '');
    return { path: snap.path, line, problem, version };
  }
  if (error instanceof TinytownError) return { path: snap.path, line: null, problem: error.message, version };
  throw error;
}

function agentAt(ctx: PlanContext, text: string, field: string, value: string): string {
  try {
    return resolveAgent(ctx.town, value);
  } catch (error) {
    throw new Refusal(`field "${field}": ${(error as Error).message}`, fieldLine(text, field));
  }
}

function folderAgent(ctx: PlanContext, folder: string): string {
  try {
    return resolveAgent(ctx.town, folder);
  } catch (error) {
    throw new Refusal(`inbox/${folder}/ is not the inbox of a known agent: ${(error as Error).message}`);
  }
}

function planMessage(ctx: PlanContext, snap: Snapshot, text: string, folder: string): Plan {
  const { data, body } = parseFrontmatter(text, snap.path);
  if (data.from === undefined || data.from === null || data.from === '') {
    throw new Refusal('field "from" is missing: say who the message is from (a line "from: <agent>" in the frontmatter)', fieldLine(text, 'from') ?? 1);
  }
  const to = folderAgent(ctx, folder);
  const from = agentAt(ctx, text, 'from', String(data.from));
  if (data.to !== undefined && data.to !== null && data.to !== '' && agentAt(ctx, text, 'to', String(data.to)) !== to) {
    throw new Refusal(`field "to" is "${String(data.to)}" but the file is in ${to}'s inbox; move the file to inbox/${String(data.to)}/ or fix "to"`, fieldLine(text, 'to'));
  }
  const now = ctx.now();
  const completed = completeMessageFields({ ...data, from, to }, { to, created: isoNow(now), newId: () => newMessageId(now) });
  const message = toMessage(completed, body, snap.path);
  if (!message.body.trim()) throw new Refusal('the message has no text: write it after the closing "---" line', text.split('\n').length);
  const target = townPaths.unread(to, message.id);
  if (target !== snap.path && existsSync(path.join(ctx.town.root, target))) {
    throw new Refusal(`a message with id ${message.id} already exists (${target}): remove the "id" line to get a new id`, fieldLine(text, 'id'));
  }
  const content = formatMessage(message);
  return { kind: 'message', snap, author: from, target, content, message, rewrite: target !== snap.path || content !== text };
}

function planReadMessage(ctx: PlanContext, snap: Snapshot, text: string, folder: string, name: string): Plan {
  const message = parseMessage(text, snap.path);
  if (message.id !== name) throw new Refusal(`field "id" is "${message.id}" but the file is named ${name}.md`, fieldLine(text, 'id'));
  const owner = folderAgent(ctx, folder);
  if (message.to !== owner) throw new Refusal(`field "to" is "${message.to}" but the file is in ${owner}'s read/ folder`, fieldLine(text, 'to'));
  return { kind: 'read-message', snap, author: owner, message };
}

async function planTask(ctx: PlanContext, snap: Snapshot, text: string, name: string): Promise<Plan> {
  const task = parseTask(text, snap.path);
  if (task.id !== name) throw new Refusal(`field "id" is "${task.id}" but the file is named ${name}.md; task files are named after their id`, fieldLine(text, 'id'));
  const committed = snap.committed ? await committedText(ctx.town, snap.path) : undefined;
  let before: Task | undefined;
  try {
    before = committed === undefined ? undefined : parseTask(committed, snap.path);
  } catch {
    before = undefined; // the committed version is damaged: judge the new one on its own
  }
  const known = new Set([...agentNames(ctx.town), CONDUCTOR]);
  for (const field of ['assignee', 'reviewer'] as const) {
    const value = task[field];
    if (value && !known.has(value) && value !== before?.[field]) {
      throw new Refusal(`field "${field}": unknown agent "${value}" (tt list shows the agents; tt spawn ${value} adds one)`, fieldLine(text, field));
    }
  }
  if (before && !isLegalStateChange(before, task.state)) {
    throw new Refusal(`${illegalStateChangeReason(before, task.state)} (the tt task, review, approve and reject commands make legal moves; or undo the edit)`, fieldLine(text, 'state'));
  }
  // Whoever decides the move is its author: the reviewer for a decision on a task in review, else the assignee.
  const decider = before?.state === 'review' && task.state !== 'review' ? task.reviewer ?? before.reviewer : task.assignee;
  const author = decider && known.has(decider) ? decider : ctx.actor;
  const stamped = stampStateChange(task, before?.state ?? null, isoNow(ctx.now()));
  return { kind: 'task', snap, author, task: stamped ?? task, before: before?.state ?? null, ...(stamped ? { content: formatTask(stamped) } : {}) };
}

/** The task with the time of a hand-made state change filled in, or undefined when nothing is missing. */
function stampStateChange(task: Task, before: TaskState | null, now: string): Task | undefined {
  if (before === task.state) return undefined;
  if (task.state === 'running' && task.started === null) return { ...task, started: now, updated: now };
  if (['completed', 'failed', 'cancelled'].includes(task.state) && task.completed === null) return { ...task, completed: now, updated: now };
  return undefined;
}

/**
 * What to do with one path: a plan, a problem, or nothing (unchanged, not a
 * file we take in, or a file git never saw that is gone again).
 */
export async function assessPath(ctx: PlanContext, rel: string, committed: string | undefined, algorithm: 'sha1' | 'sha256'): Promise<Assessment> {
  const file = townFileAt(rel);
  if (file.kind === 'other') return { skip: true };
  const disk = readDisk(ctx.town.root, rel, algorithm);
  const snap: Snapshot = { path: rel, hash: disk.state === 'missing' ? undefined : disk.hash, committed };
  if (disk.state === 'missing') {
    return committed ? { plan: { kind: 'deletion', snap, author: ctx.actor } } : { skip: true };
  }
  if (disk.hash === committed) return { skip: true };
  // Agents' files are edited freely by the team and committed by them; only their deletion is taken in.
  if (file.kind === 'agent') return { skip: true };
  if (disk.state === 'unreadable') return { problem: { path: rel, line: null, problem: disk.problem, version: disk.hash } };
  try {
    switch (file.kind) {
      case 'message':
        if (committed) throw new Refusal('a message is written once and never edited: send a new one (tt send), or undo the edit with git checkout');
        return { plan: planMessage(ctx, snap, disk.text, file.folder) };
      case 'read-message':
        if (committed) throw new Refusal('a message is written once and never edited: undo the edit with git checkout');
        return { plan: planReadMessage(ctx, snap, disk.text, file.folder, file.name) };
      case 'task':
        return { plan: await planTask(ctx, snap, disk.text, file.name) };
    }
  } catch (error) {
    return { problem: toProblem(snap, disk.text, error) };
  }
}
