/**
 * The commit path (DESIGN §2): a write's commit is built from objects, never
 * through the person's index, and only once it is on the branch are the index
 * entries of exactly its paths set to the committed blobs.
 *
 * 0. git's settings and identities (`git var -l`, commit-settings.ts;
 *    kept between processes by app/git-settings-cache.ts);
 * 1. blobs of the touched files;
 * 2. the changed folders only, read from the parent — from loose objects
 *    where tt wrote them at its last commit, else by `cat-file --batch`;
 *    every other folder is HEAD's own — and their new trees;
 * 3. the commit (author = the acting agent, committer = the configured
 *    user or the tinytown identity);
 * 4. HEAD moved from the old commit to the new one, a compare-and-swap
 *    (head-move.ts: git's lock protocol in-process; else `update-ref HEAD
 *    <new> <old>`). HEAD moved meanwhile means the commit is built again on
 *    the new HEAD;
 * 5. the index entries of those paths (index-entries.ts: the bytes
 *    `update-index --index-info` writes; else that command).
 *
 * Steps 4 and 5 run under git's index.lock (index-lock.ts), taken before
 * HEAD is read, as every git command that commits or resets takes it.
 *
 * Until step 4 nothing a person's git can see has changed (new objects are
 * unreachable); a town file never sits in the index uncommitted, so a
 * `git commit -a` or `git stash` cannot sweep it into the person's commit.
 * (A `git reset --hard` that raced a commit is undone: reset-race.ts.)
 * Steps 2–5 cost the same in a repository of a hundred files and of a
 * hundred thousand, except the one rewrite of the index file in step 5
 * (git has no cheaper way to change one entry either).
 *
 * Several changes (a journal of them) become a chain of commits published by
 * one HEAD move and one index update.
 *
 * The new objects of steps 1–3 are written by tt itself as loose objects
 * (loose-objects.ts), the same bytes `hash-object`, `mktree` and
 * `commit-tree` write (test/unit/loose-objects.test.ts compares them); git
 * writes them only where tt would not write what git writes: a signed commit
 * (`commit-tree -S`: git's signing), an i18n.commitEncoding other than UTF-8,
 * text git's UTF-8 check would rewrite, core.sharedRepository permissions, a
 * compatibility object format, GIT_OBJECT_DIRECTORY.
 *
 * Measured (2026-12-02, 2 shared cores; `bin/tt send`, interleaved runs,
 * median; git processes per send from GIT_TRACE2_EVENT over 32 sends): a
 * process costs this machine ~6 ms of fork/exec from node before git does
 * anything, so each step done in-process was worth its code:
 *
 *   build                                        small repo  git processes
 *   loose objects in-process, 3 git processes    190 ms      3
 *   + HEAD moved in-process                      181 ms      2
 *   + git var -l kept between processes          155 ms      1
 *   + index entries set in-process               0.76× the first row  0
 *
 * In the 100,000-file repository (bench "monorepo"): 350 ms → 294 ms, 0.39×
 * a `git add && git commit` there; most of what is left is reading, checking
 * and writing the 8 MB index.
 */
import path from 'node:path';
import { GitError } from '../errors.js';
import { messageParagraphs, type Trailer } from './commit.js';
import { fsyncIndex, type CommitSettings } from './commit-settings.js';
import { objectsDirectory, readHeadCommit } from './git-dir.js';
import { headMoveSettings, moveHead, type HeadMoveResult } from './head-move.js';
import { writeIndexEntries } from './index-entries.js';
import { readLooseObject } from './loose-objects.js';
import { openObjectWriter, type NewTree, type ObjectPlace, type ObjectWriter } from './object-writer.js';
import { setIndexEntriesTask } from './repo.js';
import { runTask, type GitTask } from './task.js';
import { blobId, hashObject, isTreeMode, mktreeRecords, parseBatch, parseTree, sortEntries, treeBody, type ObjectFormat, type TreeEntry } from './trees.js';

export interface FileChange {
  /** Relative to the top of the work tree, "/" separators. */
  path: string;
  /** The file's new text; null when the change removes it. */
  content: string | null;
}

export interface CommitSpec {
  subject: string;
  body?: string | undefined;
  trailers: readonly Trailer[];
  /** The acting agent; it becomes the commit author. */
  author: string;
  changes: readonly FileChange[];
  /** The whole message, verbatim, instead of one built from the parts: a tt commit committed again (reset-race.ts). */
  message?: string;
}

/** Where the commit is built: the work tree's top (git's cwd) and its git directory (for HEAD, read without a process). */
export type CommitPlace = ObjectPlace;

/** A path's entry at the new tip: mode and blob, or null when the path is gone. */
export type IndexEntry = { mode: string; id: string } | null;

export interface Published {
  /** HEAD before (undefined on an unborn branch). */
  parent: string | undefined;
  /** One per spec: its commit, or null when it changed nothing. */
  commits: Array<string | null>;
  /** HEAD now. */
  tip: string | undefined;
  /** The committed state of every path the specs touched. */
  entries: Map<string, IndexEntry>;
  /** Each touched path's blob in the parent (null: it had none). */
  before: Map<string, string | null>;
  /** HEAD moved under us at least once (someone else committed meanwhile). */
  moved: boolean;
}

export type CommitStep = 'objects' | 'ref' | 'index';

export interface PublishHooks {
  /** Called with the built commits before HEAD is moved (the journal records them). */
  built?(commits: ReadonlyArray<string | null>, parent: string | undefined): void;
  /** Called just before HEAD is moved, with what the index entries will be (the index is prepared then, to be put in place right after). */
  beforeRef?(entries: ReadonlyMap<string, IndexEntry>, settings: CommitSettings): Promise<void>;
  /** Called after each step (tests stop a process there). */
  step?(step: CommitStep): void;
}

const LOCK_RETRY_DEADLINE_MS = 30_000;
/** A HEAD that keeps moving (a script committing in a loop) is chased this many times, then the change stays journaled. */
const MAX_REBUILDS = 50;

// ── the tasks (argv unit-tested in test/unit/git-commands.test.ts)

/** The raw objects named by `specs` (`<commit>^{tree}`, `<commit>:<folder>`); answers through `GitResult.bytes`. */
export const readObjectsTask = (specs: readonly string[]): GitTask<Buffer> => ({
  args: ['cat-file', '--batch'],
  input: specs.map((spec) => `${spec}\n`).join(''),
  blocking: true,
  parse: (result) => result.bytes ?? Buffer.from(result.stdout, 'utf8'),
});

/** HEAD (through its branch, if any) moved from `old` to `next` only if it still is `old`; '' = must not exist yet (unborn). */
export const updateHeadTask = (next: string, old: string | undefined, reflogMessage: string): GitTask<void> => ({
  args: ['update-ref', '-m', reflogMessage, 'HEAD', next, old ?? ''],
  blocking: true,
  parse: () => undefined,
});

// ── building

function ancestors(file: string): string[] {
  const dirs: string[] = [];
  let dir = path.posix.dirname(file);
  while (dir !== '.') {
    dirs.push(dir);
    dir = path.posix.dirname(dir);
  }
  return [...dirs, ''];
}

const depth = (dir: string) => (dir === '' ? 0 : dir.split('/').length);

/**
 * The folders every change passes through, as `parent` has them: read from
 * loose objects where they all are (tt wrote them at its last commit), else
 * by one `cat-file --batch`.
 */
async function readFolders(place: CommitPlace, parent: string | undefined, files: readonly string[]): Promise<Map<string, TreeEntry[]>> {
  const dirs = [...new Set(files.flatMap(ancestors))].sort((a, b) => depth(a) - depth(b));
  const folders = new Map<string, TreeEntry[]>(dirs.map((dir) => [dir, []]));
  if (!parent) return folders;
  const loose = readLooseFolders(place, parent, dirs);
  if (loose) return loose;
  const raw = await runTask(place.top, readObjectsTask(dirs.map((dir) => (dir === '' ? `${parent}^{tree}` : `${parent}:${dir}`))));
  parseBatch(raw, dirs.length).forEach((object, i) => {
    if (object?.type === 'tree') folders.set(dirs[i]!, parseTree(object.body, place.format));
  });
  return folders;
}

/** The folders (`dirs`, parents first) read from loose objects; undefined as soon as one is not loose. */
function readLooseFolders(place: CommitPlace, parent: string, dirs: readonly string[]): Map<string, TreeEntry[]> | undefined {
  const store = objectsDirectory(place.gitDir);
  const commit = readLooseObject(store, parent, place.format);
  const root = commit?.type === 'commit' ? /^tree ([0-9a-f]+)\n/.exec(commit.body.toString('latin1'))?.[1] : undefined;
  if (!root) return undefined;
  const folders = new Map<string, TreeEntry[]>();
  for (const dir of dirs) {
    let id = root;
    if (dir !== '') {
      const up = path.posix.dirname(dir) === '.' ? '' : path.posix.dirname(dir);
      const entry = folders.get(up)?.find((item) => item.name === path.posix.basename(dir));
      if (!entry || !isTreeMode(entry.mode)) {
        // Not a folder in the parent (yet): the change creates it.
        folders.set(dir, []);
        continue;
      }
      id = entry.id;
    }
    const tree = readLooseObject(store, id, place.format);
    if (tree?.type !== 'tree') return undefined;
    folders.set(dir, parseTree(tree.body, place.format));
  }
  return folders;
}

/**
 * HEAD's blob ids of `files` (paths from the work tree's top), read from
 * loose trees as a write reads its folders: no `git ls-tree` process (a fork
 * of a long-running watcher costs tens of ms). Undefined when a tree on the
 * way is not loose (packed): ask git.
 */
export function looseCommittedBlobs(gitDir: string, format: ObjectFormat, files: readonly string[]): Map<string, string> | undefined {
  const blobs = new Map<string, string>();
  const head = readHeadCommit(gitDir);
  if (!head || files.length === 0) return head ? blobs : undefined;
  const dirs = [...new Set(files.flatMap(ancestors))].sort((a, b) => depth(a) - depth(b));
  const folders = readLooseFolders({ top: '', gitDir, format }, head, dirs);
  if (!folders) return undefined;
  const byName = new Map<string, Map<string, TreeEntry>>();
  for (const file of files) {
    const dir = path.posix.dirname(file) === '.' ? '' : path.posix.dirname(file);
    let names = byName.get(dir);
    if (!names) byName.set(dir, names = new Map((folders.get(dir) ?? []).map((entry) => [entry.name, entry])));
    const entry = names.get(path.posix.basename(file));
    if (entry && !isTreeMode(entry.mode) && entry.mode !== '160000') blobs.set(file, entry.id);
  }
  return blobs;
}

/** The texts the specs hold, by blob id, and a touched path holding each (for git, where git writes the blobs). */
function blobsOf(specs: readonly CommitSpec[], format: ObjectFormat): { texts: Map<string, string>; files: Map<string, string> } {
  const texts = new Map<string, string>();
  const files = new Map<string, string>();
  for (const change of specs.flatMap((spec) => spec.changes)) {
    if (change.content === null) continue;
    const id = blobId(change.content, format);
    texts.set(id, change.content);
    if (!files.has(id)) files.set(id, change.path);
  }
  return { texts, files };
}

interface BuiltTrees {
  /** New trees in the order they are written (children first). */
  trees: NewTree[];
}

/** Applies one spec's changes to the folders (in place) and answers the new root tree. */
function applyChanges(folders: Map<string, TreeEntry[]>, changes: readonly FileChange[], format: ObjectFormat, built: BuiltTrees, entries: Map<string, IndexEntry>, before: Map<string, string | null>): string {
  const touched = new Set<string>();
  for (const change of changes) {
    const dir = path.posix.dirname(change.path) === '.' ? '' : path.posix.dirname(change.path);
    const name = path.posix.basename(change.path);
    const folder = folders.get(dir)!;
    const old = folder.find((entry) => entry.name === name);
    const kept = folder.filter((entry) => entry.name !== name);
    if (!before.has(change.path)) before.set(change.path, old && !isTreeMode(old.mode) ? old.id : null);
    if (change.content !== null) {
      const mode = old && !isTreeMode(old.mode) && old.mode !== '160000' ? old.mode : '100644';
      const id = blobId(change.content, format);
      kept.push({ mode, name, id });
      entries.set(change.path, { mode, id });
    } else {
      entries.set(change.path, null);
    }
    folders.set(dir, kept);
    for (const ancestor of [dir, ...ancestors(change.path).filter((d) => d !== dir)]) touched.add(ancestor);
  }
  let root = '';
  for (const dir of [...touched].sort((a, b) => depth(b) - depth(a))) {
    const sorted = sortEntries(folders.get(dir)!);
    folders.set(dir, sorted);
    const body = treeBody(sorted);
    const id = hashObject('tree', body, format);
    if (dir === '' || sorted.length > 0) built.trees.push({ id, body, records: mktreeRecords(sorted) });
    if (dir === '') {
      root = id;
      continue;
    }
    const parentDir = path.posix.dirname(dir) === '.' ? '' : path.posix.dirname(dir);
    const name = path.posix.basename(dir);
    const siblings = folders.get(parentDir)!.filter((entry) => entry.name !== name);
    if (sorted.length > 0) siblings.push({ mode: '40000', name, id });
    folders.set(parentDir, siblings);
  }
  return root;
}

export function commitMessage(spec: Pick<CommitSpec, 'subject' | 'body' | 'trailers' | 'message'>): string {
  return spec.message ?? `${messageParagraphs(spec).join('\n\n')}\n`;
}

/** Builds the specs as a chain of commits on `parent`: objects only, nothing a person's git sees. */
export async function buildCommits(place: CommitPlace, parent: string | undefined, specs: readonly CommitSpec[], writer?: ObjectWriter): Promise<Omit<Published, 'moved'>> {
  const objects = writer ?? await openObjectWriter(place);
  const files = specs.flatMap((spec) => spec.changes.map((change) => change.path));
  const folders = await readFolders(place, parent, files);
  const blobs = blobsOf(specs, place.format);
  await objects.writeBlobs(blobs.texts, blobs.files);
  const parentRoot = parent ? hashObject('tree', treeBody(sortEntries(folders.get('')!)), place.format) : undefined;
  const built: BuiltTrees = { trees: [] };
  const entries = new Map<string, IndexEntry>();
  const before = new Map<string, string | null>();
  const roots = specs.map((spec) => applyChanges(folders, spec.changes, place.format, built, entries, before));
  await objects.writeTrees(built.trees);
  const commits: Array<string | null> = [];
  let tip = parent;
  let tipRoot = parentRoot;
  for (const [i, spec] of specs.entries()) {
    const root = roots[i]!;
    // A change that leaves the tree as it is (the file already held that text) is no commit.
    if (root === tipRoot && tip !== undefined) {
      commits.push(null);
      continue;
    }
    tip = await objects.writeCommit(root, tip, commitMessage(spec), spec.author);
    tipRoot = root;
    commits.push(tip);
  }
  return { parent, commits, tip, entries, before };
}

function reflogMessage(spec: CommitSpec | undefined, initial: boolean): string {
  const subject = spec ? commitMessage(spec).split('\n', 1)[0] : '';
  return `${initial ? 'commit (initial)' : 'commit'}: ${subject}`;
}

/** Lock files of other git processes: retried with backoff, never deleted (their owner may be alive). */
export function isTransientLockError(error: unknown): boolean {
  return error instanceof GitError && /index\.lock|Unable to create .*\.lock|could not lock|File exists/i.test(error.stderr);
}

export const backoff = (delayMs: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, delayMs + Math.random() * delayMs));

/**
 * Moves HEAD from `head` to `tip`: in-process where git's files ref storage
 * allows (head-move.ts: one process less per write), else `git update-ref`.
 * 'stale': HEAD is no longer `head`; 'locked': someone holds a ref lock.
 */
async function moveHeadTo(place: CommitPlace, settings: CommitSettings, tip: string, head: string | undefined, message: string): Promise<HeadMoveResult> {
  const inProcess = moveHead({
    gitDir: place.gitDir, next: tip, old: head, message,
    ident: settings.committerIdent, ...headMoveSettings(settings, place.top, place.gitDir),
  });
  if (inProcess !== 'unsupported') return inProcess;
  try {
    await runTask(place.top, updateHeadTask(tip, head, message));
    return 'moved';
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    if (readHeadCommit(place.gitDir) !== head) return 'stale';
    if (isTransientLockError(error)) return 'locked';
    throw error;
  }
}

/**
 * Builds the specs on HEAD and moves HEAD to them (compare-and-swap; rebuilt
 * on a moved HEAD). The index is not touched: see setIndexEntries.
 */
export async function publishCommits(place: CommitPlace, specs: readonly CommitSpec[], hooks: PublishHooks = {}): Promise<Published> {
  const deadline = Date.now() + LOCK_RETRY_DEADLINE_MS;
  let delayMs = 5;
  let moved = false;
  const writer = await openObjectWriter(place);
  for (let rebuilds = 0; ; ) {
    const head = readHeadCommit(place.gitDir);
    const built = await buildCommits(place, head, specs, writer);
    hooks.built?.(built.commits, head);
    hooks.step?.('objects');
    if (built.tip === head) return { ...built, moved };
    const last = [...built.commits].reverse().find((commit) => commit !== null);
    const lastSpec = specs[built.commits.lastIndexOf(last ?? null)];
    await hooks.beforeRef?.(built.entries, writer.settings);
    const result = await moveHeadTo(place, writer.settings, built.tip!, head, reflogMessage(lastSpec, head === undefined));
    if (result === 'moved') {
      hooks.step?.('ref');
      return { ...built, moved };
    }
    if (result === 'stale') {
      moved = true;
      if (++rebuilds > MAX_REBUILDS) throw new GitError(`HEAD kept moving while tt committed (${MAX_REBUILDS} rebuilds); the change stays journaled`, ['update-ref'], '');
      continue;
    }
    if (Date.now() > deadline) throw new GitError('a ref lock of another git process was held for 30 s; the change stays journaled', ['update-ref'], 'Unable to create lock: File exists');
    await backoff(delayMs);
    delayMs = Math.min(delayMs * 2, 200);
  }
}

/** `update-index --index-info` lines: a mode-0 line removes the entry. */
export function indexInfo(entries: ReadonlyMap<string, IndexEntry>, format: ObjectFormat): string {
  const zero = '0'.repeat(format === 'sha256' ? 64 : 40);
  return [...entries].map(([file, entry]) => (entry ? `${entry.mode} ${entry.id}\t${file}\n` : `0 ${zero}\t${file}\n`)).join('');
}

/**
 * The person's index entries of exactly these paths set to what was
 * committed; nothing else in the index changes. In-process where
 * index-entries.ts can (no git process; with git's settings known, so that a
 * core.fsync naming the index is honoured), else `update-index --index-info`.
 */
export async function setIndexEntries(place: CommitPlace, entries: ReadonlyMap<string, IndexEntry>, indexFile?: string, settings?: CommitSettings): Promise<void> {
  if (entries.size === 0) return;
  if (settings && writeIndexEntries(indexFile ?? path.join(place.gitDir, 'index'), entries, place.format, fsyncIndex(settings))) return;
  const env: Record<string, string> = indexFile ? { GIT_INDEX_FILE: indexFile } : {};
  const deadline = Date.now() + LOCK_RETRY_DEADLINE_MS;
  let delayMs = 5;
  for (;;) {
    try {
      await runTask(place.top, { ...setIndexEntriesTask(indexInfo(entries, place.format)), env, blocking: true });
      return;
    } catch (error) {
      if (!isTransientLockError(error) || Date.now() > deadline) throw error;
      await backoff(delayMs);
      delayMs = Math.min(delayMs * 2, 200);
    }
  }
}
