/**
 * `tt sync`: the town across clones, with git as the only server. Fetch the
 * current branch's counterpart from the remote, merge it (a merge, never a
 * rebase, so the town merge driver runs and history stays as it happened),
 * deliver the claim notices the driver left (merge-notices.ts), push the
 * current branch; when the push is rejected because someone pushed first,
 * fetch and merge again, with backoff, a bounded number of times.
 *
 * The merge runs inside the town lock, so no tt write lands half-way through
 * it; fetch and push do not touch the work tree and run outside it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConflictError, GitError, NotFoundError, UsageError } from '../errors.js';
import { concludeMergeTask, messageParagraphs } from '../git/commit.js';
import { hasCommitterTask, identityEnv as commitIdentityEnv } from '../git/identity.js';
import { fetchRef, mergeCommit, pushHead, type PorcelainFailure } from '../git/remote.js';
import {
  addPathTask, configGetTask, countCommitsTask, currentBranchTask, remotesTask, removeFromIndexTask, revisionExistsTask,
  revParseTask, topLevelTask, unmergedPathsTask, unmergedStagesTask,
} from '../git/repo.js';
import { operationInProgress } from '../git/repo-state.js';
import { runTask } from '../git/task.js';
import { acquireLock } from '../store/lock.js';
import { TOWN_DIR_NAME } from '../store/paths.js';
import { statePaths } from '../store/state-dir.js';
import { flushJournal, withCommitLock } from './transaction.js';
import type { Town } from '../store/town.js';
import type { OpContext } from './context.js';
import { deliverMergeNotices, type DeliveredNotice } from './merge-notices.js';
import { ensureMergeDriver } from './merge-setup.js';

export const MAX_PUSH_RETRIES = 5;
const PUSH_BACKOFF_BASE_MS = 200;
const PUSH_BACKOFF_MAX_MS = 5_000;
/** One sync at a time per clone: FETCH_HEAD and the push are shared. */
const SYNC_LOCK_TIMEOUT_MS = 10 * 60_000;

export interface SyncOptions {
  remote?: string | undefined;
  maxRetries?: number;
}

export interface SyncResult {
  remote: string;
  branch: string;
  /** The remote ref merged and pushed to, e.g. refs/heads/main. */
  remote_ref: string;
  fetched: boolean;
  /** Commits taken in from the remote (over all attempts). */
  merged: number;
  /** Merge commits made (none when every integration was a fast-forward). */
  merge_commits: string[];
  /** Town files left on both sides as modify/delete conflicts: the edited version was kept. */
  resolved: string[];
  pushed: boolean;
  pushed_commits: number;
  /** Pushes rejected because the remote moved, then retried after fetching and merging again. */
  retries: number;
  notices: DeliveredNotice[];
  /** The merge driver was not registered in this clone and was registered before merging. */
  registered_driver: boolean;
  duration_ms: number;
}

interface Target {
  top: string;
  branch: string;
  remote: string;
  remoteRef: string;
}

/** git's progress on stderr, where a person is watching it. */
const showProgress = (): boolean => process.stderr.isTTY === true;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function unmergedPaths(top: string): Promise<string[]> {
  return runTask(top, unmergedPathsTask());
}

/** The user's tree must not be in the middle of something: tt sync would pile a merge on top of it. */
async function refuseIfBusy(town: Town, top: string): Promise<void> {
  const operation = operationInProgress(town.gitDir!);
  const unmerged = await unmergedPaths(top);
  if (!operation && unmerged.length === 0) return;
  const files = unmerged.length ? ` Unresolved: ${unmerged.slice(0, 10).join(', ')}${unmerged.length > 10 ? ', …' : ''}.` : '';
  const how = operation
    ? `finish it (resolve the conflicts, git add the files, git ${operation === 'merge' ? 'commit' : `${operation} --continue`}) or abort it (git ${operation} --abort)`
    : 'resolve them and git add the files';
  throw new ConflictError(`tt sync needs a clean start: ${operation ? `a git ${operation} is in progress in this work tree` : 'this work tree has unresolved conflicts'}.${files} It merges, so first ${how}; then run tt sync again`);
}

async function resolveTarget(town: Town, remoteOption: string | undefined): Promise<Target> {
  if (!town.gitDir) throw new UsageError('this town is not in a git repository: tt sync syncs through a git remote');
  const top = await runTask(town.root, topLevelTask());
  const branch = await runTask(top, currentBranchTask());
  if (!branch) throw new ConflictError('HEAD is detached: tt sync pushes the current branch, so check out a branch first (git switch <branch>)');
  const remotes = await runTask(top, remotesTask());
  if (remotes.length === 0) {
    throw new NotFoundError(`this repository has no remote to sync with: add one (git remote add origin <url>), push the branch once (git push -u origin ${branch}), then run tt sync`);
  }
  const config = (key: string) => runTask(top, configGetTask(key));
  const upstreamRemote = await config(`branch.${branch}.remote`);
  const upstreamRef = await config(`branch.${branch}.merge`);
  if (remoteOption !== undefined) {
    if (!remotes.includes(remoteOption)) throw new NotFoundError(`no remote named "${remoteOption}" (remotes: ${remotes.join(', ')})`);
    const remoteRef = upstreamRemote === remoteOption && upstreamRef ? upstreamRef : `refs/heads/${branch}`;
    return { top, branch, remote: remoteOption, remoteRef };
  }
  if (!upstreamRemote || upstreamRemote === '.') {
    throw new NotFoundError(`branch ${branch} has no upstream on a remote: push it once with git push -u ${remotes.includes('origin') ? 'origin' : remotes[0]} ${branch}, or name the remote: tt sync --remote ${remotes[0]}`);
  }
  if (!remotes.includes(upstreamRemote)) throw new NotFoundError(`branch ${branch}'s upstream remote "${upstreamRemote}" does not exist (remotes: ${remotes.join(', ')})`);
  return { top, branch, remote: upstreamRemote, remoteRef: upstreamRef ?? `refs/heads/${branch}` };
}

/** The remote branch's commit, or null when the remote does not have the branch yet. */
async function fetchRemote(target: Target): Promise<string | null> {
  const fetched = await fetchRef({ cwd: target.top, progress: showProgress() }, target.remote, target.remoteRef);
  if (!fetched.ok) {
    const { stderr } = fetched.failure;
    if (/couldn't find remote ref/i.test(stderr)) return null;
    throw new GitError(`git fetch ${target.remote} failed: ${stderr.trim().split('\n').slice(0, 3).join(' / ')}`, ['fetch', target.remote], stderr);
  }
  return runTask(target.top, revParseTask('FETCH_HEAD^{commit}'));
}

async function countCommits(top: string, range: string): Promise<number> {
  return runTask(top, countCommitsTask(range));
}

/** Author: the acting agent; committer: the configured user, else Tinytown (as for every tt commit). */
async function identityEnv(top: string, actor: string): Promise<Record<string, string>> {
  return commitIdentityEnv(actor, await runTask(top, hasCommitterTask()));
}

interface Integration {
  merged: number;
  mergeCommit: string | null;
  resolved: string[];
}

/**
 * After a merge stopped on conflicts: town files git could not hand to the
 * driver (one side deleted what the other edited) keep the edited version —
 * nothing anyone wrote is dropped. Anything else stays for the person.
 */
async function resolveTownConflicts(town: Town, top: string): Promise<{ resolved: string[]; remaining: string[] }> {
  const townDir = path.posix.join(path.relative(top, town.root).split(path.sep).join('/'), TOWN_DIR_NAME);
  const stages = await runTask(top, unmergedStagesTask());
  const resolved: string[] = [];
  const remaining: string[] = [];
  for (const [file, present] of stages) {
    const inTown = file.startsWith(`${townDir}/`) && !file.startsWith(`${townDir}/run/`);
    if (!inTown || (present.has('2') && present.has('3'))) {
      remaining.push(file);
      continue;
    }
    await runTask(top, existsSync(path.join(top, file)) ? addPathTask(file) : removeFromIndexTask(file));
    resolved.push(file);
  }
  return { resolved, remaining };
}

async function integrate(ctx: OpContext, target: Target, remoteHead: string): Promise<Integration> {
  const { town } = ctx;
  const lock = await acquireLock(statePaths.lock(town.root), { command: 'tt sync' });
  try {
    return await withCommitLock(town, () => mergeRemote(ctx, target, remoteHead));
  } finally {
    lock.release();
  }
}

/** The merge itself, under both locks: no tt write lands between its steps. */
async function mergeRemote(ctx: OpContext, target: Target, remoteHead: string): Promise<Integration> {
  const { town } = ctx;
  const { top } = target;
  await refuseIfBusy(town, top);
  const merged = await countCommits(top, `HEAD..${remoteHead}`);
  if (merged === 0) return { merged: 0, mergeCommit: null, resolved: [] };
  const before = await runTask(top, revParseTask('HEAD'));
  const env = await identityEnv(top, ctx.actor);
  const message = messageParagraphs({
    subject: `tt(${ctx.actor}): merge ${target.remote}/${target.remoteRef.replace(/^refs\/heads\//, '')} (${merged} commit${merged === 1 ? '' : 's'})`,
    trailers: [['Tinytown-Action', 'merge'], ['Tinytown-Agent', ctx.actor]],
  });
  const result = await mergeCommit({ cwd: top, env }, remoteHead, message);
  let resolved: string[] = [];
  if (!result.ok) {
    const { stdout, stderr } = result.failure;
    if (!operationInProgress(town.gitDir!)) {
      throw new ConflictError(`git merge refused to start, nothing was changed: ${stderr.trim().split('\n').slice(0, 4).join(' / ')}. Commit or stash the files it names, then run tt sync again`);
    }
    const outcome = await resolveTownConflicts(town, top);
    resolved = outcome.resolved;
    if (outcome.remaining.length > 0) {
      // The driver's own words (a side that does not parse) are in git's output.
      const said = `${stdout}\n${stderr}`.split('\n').filter((line) => /^tt[: ]/.test(line)).slice(0, 3);
      throw new ConflictError(
        `the merge of ${target.remote}/${target.remoteRef.replace(/^refs\/heads\//, '')} stopped on conflicts in: ${outcome.remaining.join(', ')}. ` +
        'It is left in progress, as git pull would leave it: resolve those files, git add them, git commit, then run tt sync again (or git merge --abort)' +
        (said.length ? `. The merge driver said: ${said.join(' / ')}` : ''),
      );
    }
    // strip: MERGE_MSG lists the conflicts as comment lines, which would bury the trailers.
    await runTask(top, concludeMergeTask(env));
  }
  const after = await runTask(top, revParseTask('HEAD'));
  const isMerge = (await runTask(top, revisionExistsTask('HEAD^2'))) && after !== before && after !== remoteHead;
  return { merged, mergeCommit: isMerge ? after : null, resolved };
}

/** git's words for "the remote branch moved (or is moving) under this push": fetch, merge and push again. */
function isRetryableRejection(result: PorcelainFailure): boolean {
  return /\[rejected\]|fetch first|non-fast-forward|failed to update ref|failed to lock|cannot lock ref|incorrect old value|stale info/i.test(result.stdout + result.stderr);
}

export async function syncTown(ctx: OpContext, options: SyncOptions = {}): Promise<SyncResult> {
  const started = Date.now();
  const { town } = ctx;
  const target = await resolveTarget(town, options.remote);
  await refuseIfBusy(town, target.top);
  const maxRetries = options.maxRetries ?? MAX_PUSH_RETRIES;
  const syncLock = await acquireLock(statePaths.syncLock(town.root), { command: 'tt sync', timeoutMs: SYNC_LOCK_TIMEOUT_MS });
  try {
    const registered = await ensureMergeDriver(town, ctx.actor);
    // Commit what earlier writes journaled (a commit deferred by a merge), so it is merged and pushed too.
    await flushJournal(town);
    const result: SyncResult = {
      remote: target.remote, branch: target.branch, remote_ref: target.remoteRef, fetched: false, merged: 0, merge_commits: [],
      resolved: [], pushed: false, pushed_commits: 0, retries: 0, notices: [], registered_driver: registered, duration_ms: 0,
    };
    // Notices left by an earlier plain `git pull`.
    result.notices.push(...await deliverMergeNotices(ctx));
    for (;;) {
      const remoteHead = await fetchRemote(target);
      result.fetched = true;
      if (remoteHead) {
        const integration = await integrate(ctx, target, remoteHead);
        result.merged += integration.merged;
        if (integration.mergeCommit) result.merge_commits.push(integration.mergeCommit);
        result.resolved.push(...integration.resolved);
        result.notices.push(...await deliverMergeNotices(ctx));
      }
      const ahead = await countCommits(target.top, remoteHead ? `${remoteHead}..HEAD` : 'HEAD');
      if (ahead === 0) break;
      const pushed = await pushHead({ cwd: target.top, progress: showProgress() }, target.remote, target.remoteRef);
      if (pushed.ok) {
        result.pushed = true;
        result.pushed_commits = ahead;
        break;
      }
      const push = pushed.failure;
      if (!isRetryableRejection(push) || result.retries >= maxRetries) {
        const why = (push.stderr || push.stdout).trim().split('\n').slice(-3).join(' / ');
        throw new ConflictError(
          result.retries >= maxRetries && isRetryableRejection(push)
            ? `git push to ${target.remote} was rejected ${result.retries + 1} times: others keep pushing first. Everything is merged locally; run tt sync again (${why})`
            : `git push to ${target.remote} failed: ${why}`,
        );
      }
      result.retries++;
      const backoff = Math.min(PUSH_BACKOFF_MAX_MS, PUSH_BACKOFF_BASE_MS * 2 ** (result.retries - 1));
      await sleep(backoff * (0.5 + Math.random()));
    }
    result.duration_ms = Date.now() - started;
    return result;
  } finally {
    syncLock.release();
  }
}
