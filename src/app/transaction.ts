/**
 * A town change: under the town lock, re-read what the change depends on,
 * journal the change (every touched path with its new text) and write the
 * files atomically; then, under the commit lock, commit exactly the touched
 * paths — with every other change journaled meanwhile (group commit, see
 * transact).
 *
 * The commit is built from objects and published with a compare-and-swap of
 * HEAD (git/commit-builder.ts), and only then are those paths' index entries
 * set. The journal entry (the local state folder's pending/) holds the whole change, so the
 * commit never depends on the work tree still holding the files: a file a
 * person's `git stash` or `git reset --hard` took away meanwhile is committed
 * from the journal and put back. An entry records its commit before HEAD
 * moves; the next tt write finds an entry whose commit is on the branch (a
 * process killed after update-ref) and only finishes it, builds the others
 * again (killed before), and commits what waited for a merge to end — all
 * pending entries as one chain, under the commit lock.
 */
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { autoMaintenanceTask, maintenanceDue, type Trailer } from '../git/commit.js';
import { publishCommits, readObjectsTask, setIndexEntries, type CommitPlace, type CommitSpec, type CommitStep, type FileChange, type IndexEntry, type Published, type PublishHooks } from '../git/commit-builder.js';
import { operationInProgress } from '../git/repo-state.js';
import { objectFormat, readHeadCommit, recentCommits } from '../git/git-dir.js';
import { acquireIndexLock, indexFile } from '../git/index-lock.js';
import { warmIndexReads } from '../git/index-entries.js';
import { revParseTask, topLevelTask } from '../git/repo.js';
import { isAncestorTask } from '../git/worktree.js';
import { runTask } from '../git/task.js';
import { revertedTownPaths } from '../git/reverted.js';
import { droppedTownCommits } from '../git/reset-race.js';
import { blobId, parseBatch } from '../git/trees.js';
import { CONDUCTOR, TOWN_ACTIONS } from '../core/types.js';
import { ConflictError, GitError } from '../errors.js';
import { newMessageId } from '../core/ids.js';
import { acquireLock, type HeldLock } from '../store/lock.js';
export type { Trailer };
import { removeFile, writeFileAtomic } from '../store/fs-safe.js';
import { TOWN_DIR_NAME } from '../store/paths.js';
import { ensureStateDir, localStateDir, statePaths, writeStateFile } from '../store/state-dir.js';
import { loadCommitSettings } from './git-settings-cache.js';
import type { CommitSettings } from '../git/commit-settings.js';
import { migrateLegacyRunDir } from './local-state.js';
import { journaledLandings, listPending, readJournal, readText, writeJournal, type PendingCommit } from './journal.js';
import { finishInterruptedMerge, hasInterruptedMerge } from './merge-journal.js';
import { TownWriter } from './town-writer.js';
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

/**
 * A change that goes with a move of one of the repository's branches (an
 * approval with the merge of its task branch): the change is journaled first,
 * then `land` moves the branch (and may refuse, changing nothing), then the
 * change's files are written and committed. A kill in between leaves a
 * journal entry the next write commits if `commit` is on `ref`, and drops if
 * it is not — both or neither.
 */
export interface Landing {
  ref: string;
  commit: string;
  land: () => Promise<void>;
}

export type CommitOutcome =
  | { status: 'committed' }
  | { status: 'unchanged' }
  | { status: 'disabled' }
  | { status: 'deferred'; reason: string };

export { TownWriter };


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


function commitBlocker(town: Town): string | undefined {
  if (!town.gitDir) return 'this town is not in a git repository';
  const operation = operationInProgress(town.gitDir);
  return operation ? `a git ${operation} is in progress` : undefined;
}


/** The repository around a town: its top (the town may sit in a sub-folder), git directory and object format. */
async function commitPlace(town: Town): Promise<{ place: CommitPlace; prefix: string }> {
  const gitDir = town.gitDir!;
  const top = existsSync(path.join(town.root, '.git')) ? town.root : await runTask(town.root, topLevelTask());
  const prefix = path.relative(top, town.root).split(path.sep).filter(Boolean).map((part) => `${part}/`).join('');
  const loadSettings = () => loadCommitSettings(town.root, top, gitDir);
  return { place: { top, gitDir, format: objectFormat(gitDir), loadSettings }, prefix };
}

function specOf(pending: PendingCommit, prefix: string): CommitSpec {
  return {
    subject: pending.subject, trailers: pending.trailers, author: pending.author,
    ...(pending.body ? { body: pending.body } : {}),
    changes: pending.changes.map((change): FileChange => ({ path: `${prefix}${change.path}`, content: change.content })),
  };
}

/** Test hook: `TINYTOWN_TEST_KILL_AT=journaled|files|objects|ref|index` kills this process (SIGKILL) right after that step of a write. */
export function killForTests(step: 'journaled' | 'files' | 'merge' | CommitStep): void {
  if (process.env.TINYTOWN_TEST_KILL_AT === step) process.kill(process.pid, 'SIGKILL');
}

/**
 * Puts back what a person's git took from the work tree while the change
 * waited for its commit: a file gone (stash, reset --hard of a new file) or
 * back at its text before the change; a removed file that came back as it
 * was. Anything else there is someone's newer edit, left alone.
 */
function restoreWorkTree(top: string, changes: ReadonlyMap<string, string | null>, before: ReadonlyMap<string, string | null>, format: CommitPlace['format']): void {
  for (const [rel, content] of changes) {
    const file = path.join(top, rel);
    let disk: Buffer | undefined;
    try {
      disk = readFileSync(file);
    } catch {
      disk = undefined;
    }
    const diskId = disk === undefined ? null : blobId(disk, format);
    const wanted = content === null ? null : blobId(content, format);
    if (diskId === wanted) continue;
    const reverted = diskId === null || diskId === (before.get(rel) ?? null);
    if (!reverted) continue;
    if (content === null) removeFile(top, rel);
    else writeFileAtomic(top, rel, content);
  }
}

/**
 * Publishes the specs and sets their index entries, all under git's
 * index.lock; `more` adds entries to set (changes already on the branch).
 */
async function publishUnderIndexLock(town: Town, place: CommitPlace, specs: readonly CommitSpec[], hooks: PublishHooks, more: ReadonlyMap<string, IndexEntry> = new Map()): Promise<Published | undefined> {
  const held = await acquireIndexLock(place.gitDir, path.join(localStateDir(town.root), 'index-lock.json'));
  try {
    // The new index is prepared before HEAD moves and renamed into place right after: git commands
    // read the index before they lock it, so the moment HEAD and the index disagree is kept to a rename.
    let prepared = false;
    const prepare = async (entries: ReadonlyMap<string, IndexEntry>, settings?: CommitSettings) => {
      await setIndexEntries(place, new Map([...more, ...entries]), held.scratch, settings);
      prepared = true;
    };
    const published = specs.length > 0 ? await publishCommits(place, specs, { ...hooks, beforeRef: prepare }) : undefined;
    if (published) recordRecentPaths(town, published.entries.keys());
    if (!prepared) await prepare(published?.entries ?? new Map());
    held.commit();
    hooks.step?.('index');
    return published;
  } finally {
    held.release();
  }
}

/**
 * Commits every journaled change, oldest first, as one chain published by one
 * update-ref and one index update. Answers whether the entry `own` (if given)
 * made a commit.
 */
async function commitJournal(town: Town, own?: string): Promise<'committed' | 'unchanged'> {
  await finishInterruptedMerge(town);
  const names = listPending(town.root);
  if (names.length === 0) return 'unchanged';
  const { place, prefix } = await commitPlace(town);
  const journal: Array<{ name: string; file: string; pending: PendingCommit }> = [];
  for (const name of names) {
    const file = path.join(statePaths.pendingDir(town.root), name);
    const pending = readJournal(town.root, file);
    if (!pending) continue;
    // A change that waited for a branch move (a killed approval, see settleInterruptedWork): kept if the move landed, else dropped.
    if (pending.requires && !await isOnBranch(town, pending.requires.ref, pending.requires.commit)) {
      unlinkSync(file);
      continue;
    }
    journal.push({ name, file, pending });
  }
  if (journal.length === 0) return 'unchanged';
  // Entries whose commit is on the branch already: a process stopped after update-ref. Only the index and work tree are left.
  // Walking the branch (a loose commit inflated per step) is needed only for an entry that recorded its commit.
  const recent = new Set(journal.some((entry) => entry.pending.commit) ? recentCommits(place.gitDir, journal.length + 64) : []);
  const landed = journal.filter((entry) => entry.pending.commit && recent.has(entry.pending.commit));
  const toBuild = journal.filter((entry) => !landed.includes(entry));
  const entries = new Map<string, IndexEntry>();
  const finalText = new Map<string, string | null>();
  for (const { pending } of landed) {
    for (const change of pending.changes) {
      entries.set(`${prefix}${change.path}`, change.content === null ? null : { mode: '100644', id: blobId(change.content, place.format) });
      finalText.set(`${prefix}${change.path}`, change.content);
    }
  }
  let status: 'committed' | 'unchanged' = landed.some((entry) => entry.name === own) ? 'committed' : 'unchanged';
  const last = readLastCommit(town);
  const published = await publishUnderIndexLock(town, place, toBuild.map((entry) => specOf(entry.pending, prefix)), {
    built: (commits) => commits.forEach((commit, i) => {
      const entry = toBuild[i]!;
      if (commit && entry.pending.commit !== commit) writeJournal(entry.file, { ...entry.pending, commit });
    }),
    step: killForTests,
  }, entries);
  for (const { pending } of toBuild) for (const change of pending.changes) finalText.set(`${prefix}${change.path}`, change.content);
  const before = published?.before ?? new Map<string, string | null>();
  if (published) {
    const ownIndex = toBuild.findIndex((entry) => entry.name === own);
    if (ownIndex >= 0 && published.commits[ownIndex]) status = 'committed';
    // The baseline for spotting reverts moves to our tip only when nobody else committed in between (see restoreRevertedChanges).
    if (published.tip && !published.moved && (last === undefined || last === published.parent)) writeLastCommit(town, published.tip);
  }
  restoreWorkTree(place.top, finalText, before, place.format);
  for (const { file } of journal) unlinkSync(file);
  if (maintenanceDue()) await runTask(place.top, autoMaintenanceTask()).catch(() => undefined);
  return status;
}

function readLastCommit(town: Town): string | undefined {
  try {
    return readFileSync(statePaths.lastCommit(town.root), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function writeLastCommit(town: Town, commit: string): void {
  writeStateFile(statePaths.lastCommit(town.root), commit);
}

/**
 * How many of the paths tt's latest commits changed are remembered. A
 * concurrent commit can revert only what tt committed while that commit's
 * index was being read (milliseconds), so only those paths need checking —
 * not every town file another commit changed: after a pull or a bulk commit
 * of 110,000 town files, checking them all took the next write 1.6 s.
 */
const RECENT_PATHS = 1000;

function readRecentPaths(town: Town): Set<string> | undefined {
  try {
    return new Set(readFileSync(statePaths.recentPaths(town.root), 'utf8').split('\n').filter(Boolean));
  } catch {
    return undefined; // never written (a town from before): every changed path is checked
  }
}

function recordRecentPaths(town: Town, paths: Iterable<string>): void {
  const kept = [...(readRecentPaths(town) ?? []), ...paths];
  try {
    writeStateFile(statePaths.recentPaths(town.root), `${[...new Set(kept.reverse())].slice(0, RECENT_PATHS).reverse().join('\n')}\n`);
  } catch {
    // an optimisation: without it the next check looks at every changed path
  }
}

/**
 * Commits again, with their own messages, the tt commits a person's racing
 * `git reset --hard` took off the branch (git/reset-race.ts), and puts their
 * files back in the work tree; false when the reflog shows no such reset.
 */
async function recommitDropped(town: Town, place: CommitPlace, prefix: string, last: string): Promise<boolean> {
  const dropped = await droppedTownCommits(place.top, place.gitDir, last, `${prefix}${TOWN_DIR_NAME}`);
  if (dropped.length === 0) return false;
  const blobs = [...new Set(dropped.flatMap((commit) => commit.changes.flatMap((change) => (change.blob ? [change.blob] : []))))];
  const objects = blobs.length ? parseBatch(await runTask(place.top, readObjectsTask(blobs)), blobs.length) : [];
  const texts = new Map(blobs.map((id, i) => [id, objects[i]?.type === 'blob' ? objects[i]!.body.toString('utf8') : undefined]));
  const specs: CommitSpec[] = [];
  const final = new Map<string, string | null>();
  for (const commit of dropped) {
    // a commit whose blob git could not give back (pruned meanwhile) is left dropped rather than committed wrong
    if (commit.changes.some((change) => change.blob !== null && texts.get(change.blob) === undefined)) continue;
    const changes = commit.changes.map((change): FileChange => ({ path: change.path, content: change.blob === null ? null : texts.get(change.blob)! }));
    specs.push({ author: commit.author, subject: commit.message.split('\n', 1)[0]!, trailers: [], message: commit.message, changes });
    for (const change of changes) final.set(change.path, change.content);
  }
  if (specs.length === 0) return false;
  const published = await publishUnderIndexLock(town, place, specs, {});
  restoreWorkTree(place.top, final, published?.before ?? new Map(), place.format);
  return true;
}

/** Re-commits town changes a concurrent user commit reverted (see git/reverted.ts). */
async function restoreRevertedChanges(town: Town): Promise<void> {
  if (!town.gitDir) return;
  const last = readLastCommit(town);
  const head = readHeadCommit(town.gitDir);
  if (!head || last && head.startsWith(last)) return;
  if (!last) {
    writeLastCommit(town, head);
    return;
  }
  const { place, prefix } = await commitPlace(town);
  if (await recommitDropped(town, place, prefix, last)) {
    writeLastCommit(town, readHeadCommit(town.gitDir) ?? head);
    return;
  }
  const reverted = await revertedTownPaths(town.root, last, TOWN_DIR_NAME, readRecentPaths(town));
  if (reverted.length > 0) {
    await publishUnderIndexLock(town, place, [{
      author: CONDUCTOR,
      subject: `tt(${CONDUCTOR}): restore ${reverted.length} town file(s) a concurrent commit reverted`,
      trailers: [['Tinytown-Action', 'restore'], ['Tinytown-Agent', CONDUCTOR]],
      changes: reverted.map((rel) => ({ path: `${prefix}${rel}`, content: readText(town.root, rel) })),
    }], {});
  }
  // Either way HEAD is now the baseline: later commits are compared with it.
  writeLastCommit(town, readHeadCommit(town.gitDir) ?? head);
}

/**
 * Holds the commit lock while `fn` moves HEAD or the person's index (a merge,
 * an import), for a caller that holds the town lock already: writers that
 * journaled before it wait, and commit after it.
 */
export async function withCommitLock<T>(town: Town, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(statePaths.commitLock(town.root));
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/** Is `commit` on `ref` (at its tip or below it)? */
async function isOnBranch(town: Town, ref: string, commit: string): Promise<boolean> {
  const tip = await runTask(town.root, revParseTask(ref)).catch(() => undefined);
  if (!tip) return false;
  return tip === commit || await runTask(town.root, isAncestorTask(commit, tip));
}

/**
 * Before a write's work reads the town (under the town lock): a killed
 * approval's merge and change are finished first, so the work sees the task
 * as the branch has it. Takes the commit lock only when there is one. (Only a
 * dead process leaves these: a live approval holds the commit lock from its
 * journal to its commit. commitJournal finishes the merge's checkout and keeps
 * the approval when its merge landed, drops it when it never did.)
 */
async function settleInterruptedWork(town: Town, held: HeldLock | undefined): Promise<void> {
  if (!hasInterruptedMerge(town) && journaledLandings(town.root).length === 0) return;
  if (held) {
    await commitJournal(town);
    return;
  }
  await withCommitLock(town, () => commitJournal(town));
}

/** Under the lock: settles what killed writes left and commits the journal; names the git operation in the way instead, if one is. */
async function commitInterrupted(town: Town): Promise<{ blocker: string } | { count: number }> {
  const lock = await acquireLock(statePaths.lock(town.root));
  try {
    const blocker = commitBlocker(town);
    if (blocker) return { blocker };
    const count = listPending(town.root).length;
    await withCommitLock(town, async () => {
      await restoreRevertedChanges(town);
      await commitJournal(town);
    });
    return { count };
  } finally {
    lock.release();
  }
}

/** Commits what earlier changes journaled (used by tt doctor --fix and tt sync); returns how many entries it took. */
export async function flushJournal(town: Town): Promise<number> {
  const outcome = await commitInterrupted(town);
  if ('blocker' in outcome) throw new ConflictError(`${outcome.blocker}: finish it first, then run this again`);
  return outcome.count;
}

/**
 * Readies this process for the commits to come, so its first commit pays no
 * more than the later ones: git's settings kept (a `git var` run when they
 * changed) and the index read and checked once. tt watch calls it when its
 * watches are armed. Never fails: it is only a head start.
 */
export async function warmCommitPath(town: Town): Promise<void> {
  if (!town.gitDir) return;
  try {
    const { place } = await commitPlace(town);
    await place.loadSettings?.();
    warmIndexReads(indexFile(town.gitDir), place.format);
  } catch {
    // unreadable now: the first write reports it, if it is still so
  }
}

/** `tt recover`: what killed tt writes left (a journaled change, a merge half done) is finished now; false while a git operation holds the checkout. */
export async function settleInterruptedWrites(town: Town): Promise<boolean> {
  return !('blocker' in await commitInterrupted(town));
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

export interface TownChange<T> {
  result: T;
  change: ChangeDescription;
  /** The branch move this change goes with (see Landing); absent for a plain town change. */
  landing?: Landing | undefined;
}

export interface TransactOptions {
  /**
   * The work itself moves HEAD or the index (an approval's merge): the commit
   * lock is held from before the work to after the commit, so no other
   * writer's commit lands in between.
   */
  movesHead?: boolean;
}

/**
 * A change in two steps. Under the town lock: the work decides, the change is
 * journaled and its files written. Then under the commit lock: every entry
 * still journaled is committed as one chain — so while one writer runs git,
 * the others journal theirs, and the next commit takes them all along (group
 * commit: eight writers at once cost a few commits, not eight in a row). A
 * writer whose entry another writer committed meanwhile is done: its entry
 * is removed only once its commit is on the branch and the index is set.
 */
export async function transact<T>(
  town: Town,
  work: (writer: TownWriter) => TownChange<T> | Promise<TownChange<T>>,
  options: TransactOptions = {},
): Promise<TransactionResult<T>> {
  // Before the first lock: an older town's journal (run/pending/) is moved in and committed like any other.
  migrateLegacyRunDir(town.root);
  const lock = await acquireLock(statePaths.lock(town.root));
  let commitLock = options.movesHead ? await acquireLock(statePaths.commitLock(town.root)).catch((error: unknown) => {
    lock.release();
    throw error;
  }) : undefined;
  let townLocked = true;
  try {
    const autoCommit = town.config.git.auto_commit;
    const blocker = commitBlocker(town);
    // A git merge or rebase of the person's own holds the checkout: what a killed tt write left waits for it to end.
    if (!blocker) await settleInterruptedWork(town, commitLock);
    const writer = new TownWriter(town.root);
    const { result, change, landing } = await work(writer);
    if (landing && blocker) throw new ConflictError(`${blocker}: finish it first, then run this again (nothing was changed)`);
    if (landing && writer.touched.length === 0) throw new Error('a change that lands with a branch move must write a town file');
    if (landing && !commitLock) throw new Error('a change that lands with a branch move needs transact(…, { movesHead: true })');
    if (!autoCommit) {
      await landing?.land();
      writer.apply();
      return { result, commit: { status: writer.touched.length === 0 ? 'unchanged' : 'disabled' } };
    }
    let own: string | undefined;
    if (writer.touched.length > 0) {
      own = nextJournalName(town.root);
      const journal = path.join(ensureStateDir(town.root, 'pending'), own);
      writeJournal(journal, {
        changes: writer.changes(),
        subject: changeSubject(change),
        ...(change.body ? { body: change.body } : {}),
        trailers: changeTrailers(change),
        author: change.agent,
        ...(landing ? { requires: { ref: landing.ref, commit: landing.commit } } : {}),
      });
      killForTests('journaled');
      try {
        // The branch moves before any file is written: a refusal here leaves nothing behind.
        await landing?.land();
        writer.apply();
      } catch (error) {
        unlinkSync(journal);
        throw error;
      }
      await pauseForTests();
      killForTests('files');
    }
    if (!commitLock) {
      // The change is journaled and on disk: the town lock is not needed to commit it.
      lock.release();
      townLocked = false;
    }
    const status = await commitPhase(town, own, commitLock);
    commitLock = undefined;
    return { result, commit: status };
  } finally {
    commitLock?.release();
    if (townLocked) lock.release();
  }
}

/**
 * The commit step of a transaction: under the commit lock (`held`, or taken
 * here and released), everything journaled is committed, oldest first. Takes
 * no lock when there is nothing to do.
 */
async function commitPhase(town: Town, own: string | undefined, held: HeldLock | undefined): Promise<CommitOutcome> {
  const ownFile = own ? path.join(statePaths.pendingDir(town.root), own) : undefined;
  const blocked = (): CommitOutcome | undefined => {
    const blocker = commitBlocker(town);
    if (!blocker) return undefined;
    return own
      ? { status: 'deferred', reason: `${blocker}: the change is written but not committed; the next tt command after it ends commits it` }
      : { status: 'unchanged' };
  };
  const early = blocked();
  if (early) {
    held?.release();
    return early;
  }
  if (!own && !held && listPending(town.root).length === 0 && !headMovedPastLastCommit(town)) return { status: 'unchanged' };
  const lock = held ?? await acquireLock(statePaths.commitLock(town.root), { unless: () => ownFile !== undefined && !existsSync(ownFile) });
  // Another writer's commit took this change along (its entry is removed once committed and indexed).
  if (!lock) return { status: 'committed' };
  try {
    if (ownFile && !existsSync(ownFile)) return { status: 'committed' };
    // A merge may have begun while this change waited: it stays journaled.
    const late = blocked();
    if (late) return late;
    await restoreRevertedChanges(town);
    return { status: await commitJournal(town, own) };
  } catch (error) {
    if (own && error instanceof GitError) error.message += ' (the change is written and journaled; the next tt command retries the commit)';
    throw error;
  } finally {
    lock.release();
  }
}

/** Has a commit not made by tt's last write moved HEAD (restoreRevertedChanges has something to look at)? */
function headMovedPastLastCommit(town: Town): boolean {
  if (!town.gitDir) return false;
  const last = readLastCommit(town);
  const head = readHeadCommit(town.gitDir);
  return Boolean(head) && !(last && head!.startsWith(last));
}

/**
 * The name of a new journal entry: time-ordered like message ids, and always
 * after every entry still pending, since the chain is committed in name
 * order and two changes can fall in the same millisecond.
 */
function nextJournalName(root: string): string {
  const name = `${newMessageId(new Date())}.json`;
  const last = listPending(root).at(-1);
  return last && name <= last ? `${last.slice(0, -'.json'.length)}~${newMessageId(new Date()).slice(-6)}.json` : name;
}
