/**
 * `tt doctor` for parallel work (DESIGN §6): reservation files that do not
 * parse or have expired, agent worktrees nobody uses any more, and task
 * branches whose task is gone or finished. With --fix: expired reservations
 * are removed (one commit), clean orphaned worktrees removed, and task
 * branches already merged into the town's branch deleted. A worktree holding
 * uncommitted work, or a branch with unmerged commits, is only reported:
 * nothing an agent wrote is deleted.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { isExpired } from '../core/reservations.js';
import type { Task } from '../core/types.js';
import { TASK_BRANCH_PATTERN } from '../core/validate.js';
import { revParseTask } from '../git/repo.js';
import { runTask } from '../git/task.js';
import { branchesTask, deleteBranchTask, isAncestorTask, removeWorktreeTask, uncommittedPathsTask } from '../git/worktree.js';
import { listAgents } from '../store/reader.js';
import { townPaths } from '../store/paths.js';
import { listReservations } from '../store/reservations.js';
import type { Town } from '../store/town.js';
import { transact } from './transaction.js';
import { listWorktrees } from './worktrees.js';
import { worktreesDir } from './task-branches.js';
import { finishInterruptedMerge, hasInterruptedMerge } from './merge-journal.js';
import type { OpContext } from './context.js';

export type ParallelFindingKind = 'expired-reservation' | 'orphan-worktree' | 'orphan-branch' | 'unfinished-merge';

export interface ParallelFinding {
  kind: ParallelFindingKind | 'unparseable';
  file: string | null;
  message: string;
  fix: string | null;
  fixed: boolean;
  /** What --fix acts on: a reservation id, a worktree folder, a branch and its tip. */
  target?: { reservation?: string; folder?: string; branch?: string; tip?: string };
}

const FINISHED = new Set(['completed', 'cancelled', 'failed']);

export async function checkParallelWork(town: Town, tasks: readonly Task[], now: Date): Promise<ParallelFinding[]> {
  const findings: ParallelFinding[] = [];
  const reservations = listReservations(town.root);
  for (const problem of reservations.problems) findings.push({ kind: 'unparseable', file: problem.file, message: problem.message, fix: null, fixed: false });
  for (const reservation of reservations.items) {
    if (!isExpired(reservation, now)) continue;
    findings.push({
      kind: 'expired-reservation', file: townPaths.reservation(reservation.id),
      message: `${reservation.holder}'s reservation of ${reservation.paths.join(', ')} expired at ${reservation.expires}; checks ignore it`,
      fix: 'remove it (one commit)', fixed: false, target: { reservation: reservation.id },
    });
  }
  if (!town.gitDir) return findings;
  if (hasInterruptedMerge(town)) {
    findings.push({
      kind: 'unfinished-merge', file: null, fix: 'finish it (the next tt write command would too)', fixed: false,
      message: 'a task merge was interrupted after the branch moved: the merged paths in this checkout may still hold their old versions',
    });
  }
  const agents = listAgents(town.root).items;
  const worktreeAgents = new Set(agents.filter((agent) => agent.worktree).map((agent) => agent.name));
  const dir = worktreesDir(town.root);
  const registered = await listWorktrees(town);
  const folders = new Set(registered.map((entry) => path.resolve(entry.path)).filter((folder) => path.dirname(folder) === dir));
  if (existsSync(dir)) for (const name of readdirSync(dir)) folders.add(path.join(dir, name));
  for (const folder of folders) {
    const agent = path.basename(folder);
    if (worktreeAgents.has(agent)) continue;
    const known = registered.some((entry) => path.resolve(entry.path) === folder);
    const dirty = known && existsSync(folder) ? (await runTask(folder, uncommittedPathsTask())).length : 0;
    findings.push({
      kind: 'orphan-worktree', file: folder,
      message: `the worktree of ${agent}, which ${agents.some((a) => a.name === agent) ? 'no longer works in a worktree' : 'no longer exists'}${known ? '' : ' (git does not know it: a leftover folder)'}${dirty ? `; it holds ${dirty} uncommitted change(s), so it is kept` : ''}`,
      fix: known && dirty === 0 ? 'remove the worktree' : null, fixed: false, target: { folder },
    });
  }
  const byId = new Map(tasks.map((task) => [task.id, task]));
  const head = await runTask(town.root, revParseTask('HEAD')).catch(() => undefined);
  for (const { name, commit } of await runTask(town.root, branchesTask('tt/'))) {
    if (!TASK_BRANCH_PATTERN.test(name)) continue;
    const task = byId.get(name.slice(3));
    if (task && !FINISHED.has(task.state)) continue;
    const merged = head ? await runTask(town.root, isAncestorTask(commit, head)) : false;
    findings.push({
      kind: 'orphan-branch', file: null,
      message: `branch ${name}: its task ${task ? `is ${task.state}` : 'no longer exists'}; ${merged ? 'its commits are all in the town\'s branch' : 'it holds commits the town\'s branch does not (kept: merge or delete it yourself)'}`,
      fix: merged ? 'delete the branch' : null, fixed: false, target: { branch: name, tip: commit },
    });
  }
  return findings;
}

export async function fixParallelWork(ctx: OpContext, findings: ParallelFinding[]): Promise<void> {
  const { town } = ctx;
  const expired = findings.filter((item) => item.kind === 'expired-reservation' && item.target?.reservation);
  if (expired.length > 0) {
    await transact(town, (writer) => {
      // Re-read inside the lock: only what is still there and still expired goes.
      const now = ctx.now();
      const gone = listReservations(town.root).items.filter((r) => isExpired(r, now) && expired.some((item) => item.target?.reservation === r.id));
      for (const reservation of gone) writer.remove(townPaths.reservation(reservation.id));
      return { result: undefined, change: { action: 'release', agent: ctx.actor, summary: `${gone.length} expired reservation(s): ${gone.map((r) => r.id).join(' ')}` } };
    });
    for (const item of expired) item.fixed = true;
  }
  for (const item of findings) {
    if (item.kind === 'unfinished-merge') {
      // Under the town lock (a transaction that writes no town file): an approval may be running.
      await transact(town, async () => {
        await finishInterruptedMerge(town);
        return { result: undefined, change: { action: 'doctor', agent: ctx.actor, summary: 'finished an interrupted merge' } };
      }, { movesHead: true });
      item.fixed = true;
    }
    if (!item.fix || !item.target) continue;
    if (item.kind === 'orphan-worktree' && item.target.folder) {
      await runTask(town.root, removeWorktreeTask(item.target.folder, false));
      item.fixed = true;
    }
    if (item.kind === 'orphan-branch' && item.target.branch && item.target.tip) {
      await runTask(town.root, deleteBranchTask(item.target.branch, item.target.tip));
      item.fixed = true;
    }
  }
}
