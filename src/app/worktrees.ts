/**
 * A worktree per agent (DESIGN §6). An agent spawned with `--worktree` (or
 * `agent.worktree: true` in town.yml) runs its CLI in a git worktree of its
 * own under the local state folder, `<git-common-dir>/tinytown/worktrees/<name>`
 * — outside the main work tree, so two agents never share an index or sweep
 * each other's files into a commit — with TINYTOWN_DIR naming the one shared
 * town. Starting a task checks out `tt/<task-id>` there, created from the tip
 * of the town's branch; a reassigned task continues on its branch.
 *
 * The reservation hook: git looks for hooks in one folder for all worktrees
 * (per-worktree config would need `extensions.worktreeConfig`, a change to
 * the person's repository format). So the agent's own environment points
 * `core.hooksPath` at tt's hooks folder (GIT_CONFIG_COUNT/KEY/VALUE, git ≥
 * 2.31): every commit the agent makes runs tt's pre-commit, which then runs
 * the repository's own pre-commit hook if there is one; the person's commits
 * are untouched.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConflictError, UsageError } from '../errors.js';
import type { Task } from '../core/types.js';
import { TASK_BRANCH_PATTERN } from '../core/validate.js';
import { revParseTask } from '../git/repo.js';
import { runTask } from '../git/task.js';
import {
  addWorktreeTask, branchTipTask, createBranchHereTask, listWorktreesTask, pruneWorktreesTask, removeWorktreeTask,
  switchBranchHereTask, uncommittedPathsTask, type WorktreeEntry,
} from '../git/worktree.js';
import { listAgents, readTask, resolveTaskId } from '../store/reader.js';
import { cancelTask, updateTask, type TaskResult } from './tasks.js';
import type { OpContext } from './context.js';
import { localStateDir } from '../store/state-dir.js';
import type { Town } from '../store/town.js';
import { ttInvocation } from '../tt-invocation.js';
import { detachBranchInWorktrees, worktreesDir } from './task-branches.js';

export { worktreesDir };

const HOOKS_FOLDER = 'hooks';

export function agentWorktreePath(root: string, agent: string): string {
  return path.join(worktreesDir(root), agent);
}

export function taskBranchName(taskId: string): string {
  return `tt/${taskId}`;
}

/** Does this agent work in a worktree of its own? */
export function usesWorktree(town: Town, agent: string): boolean {
  return listAgents(town.root).items.some((item) => item.name === agent && item.worktree === true);
}

function requireGit(town: Town): void {
  if (!town.gitDir) throw new UsageError(`${town.root} is not in a git repository, so an agent cannot have a worktree there (git init, or spawn it without --worktree)`);
}

export async function listWorktrees(town: Town): Promise<WorktreeEntry[]> {
  return runTask(town.root, listWorktreesTask());
}

/** The agent's worktree, created (detached at the town branch's tip) when it does not exist yet. */
export async function ensureAgentWorktree(town: Town, agent: string): Promise<string> {
  requireGit(town);
  const folder = agentWorktreePath(town.root, agent);
  const entries = await listWorktrees(town);
  const registered = entries.find((entry) => path.resolve(entry.path) === folder);
  if (registered && !registered.prunable && existsSync(folder)) return folder;
  if (existsSync(folder)) {
    throw new ConflictError(`the worktree path of ${agent} is taken: ${folder} exists but is not a worktree git knows; move it away (or tt doctor --fix), then start ${agent} again`);
  }
  await runTask(town.root, pruneWorktreesTask());
  mkdirSync(path.dirname(folder), { recursive: true });
  const head = await runTask(town.root, revParseTask('HEAD'));
  await runTask(town.root, addWorktreeTask(folder, head));
  return folder;
}

/** What became of a pruned agent's worktree. */
export interface WorktreeRemoval {
  agent: string;
  folder: string;
  removed: boolean;
  /** Uncommitted changes that kept it (nothing an agent wrote is deleted). */
  uncommitted: number;
  /** What to do about a worktree that was kept. */
  fix: string | null;
}

/**
 * `tt prune` of an agent that worked in a worktree: the worktree goes with it
 * when it holds no uncommitted work (its task branches stay: their commits
 * are the work). One holding changes is kept, and the answer says how to
 * save or drop them.
 */
export async function removeAgentWorktree(town: Town, agent: string): Promise<WorktreeRemoval | undefined> {
  if (!town.gitDir) return undefined;
  const folder = agentWorktreePath(town.root, agent);
  const registered = (await listWorktrees(town)).some((entry) => path.resolve(entry.path) === folder);
  if (!registered || !existsSync(folder)) {
    if (registered) await runTask(town.root, pruneWorktreesTask());
    return undefined;
  }
  const uncommitted = (await runTask(folder, uncommittedPathsTask())).length;
  if (uncommitted > 0) {
    return {
      agent, folder, removed: false, uncommitted,
      fix: `commit them there (cd ${folder}) or drop them, then: git worktree remove ${folder} (or tt doctor --fix)`,
    };
  }
  await runTask(town.root, removeWorktreeTask(folder, false));
  return { agent, folder, removed: true, uncommitted: 0, fix: null };
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** tt's hooks folder (local state), with the pre-commit hook that enforces reservations; rewritten when tt moved. */
export function installReservationHook(town: Town): string {
  const dir = path.join(localStateDir(town.root), HOOKS_FOLDER);
  mkdirSync(dir, { recursive: true });
  const tt = ttInvocation(['--town', town.root, 'reservations', '--check-staged'], {});
  const script = [
    '#!/bin/sh',
    '# Installed by tt (Tinytown) for agents\' worktrees: core.hooksPath points here only in their environment.',
    '# Refuses a commit touching paths another agent holds exclusively (tt reservations), then runs the repository\'s own hook.',
    `out=$(${[tt.command, ...tt.args].map(shellQuote).join(' ')} 2>&1) || { printf '%s\\n' "$out" >&2; exit 1; }`,
    'own="$(git rev-parse --git-common-dir)/hooks/pre-commit"',
    'if [ -x "$own" ]; then exec "$own" "$@"; fi',
    'exit 0',
    '',
  ].join('\n');
  const file = path.join(dir, 'pre-commit');
  writeFileSync(file, script);
  chmodSync(file, 0o755);
  return dir;
}

/** What an agent's CLI gets in its worktree: the shared town, and tt's hooks for its commits. */
export function worktreeEnvironment(town: Town, folder: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const hooks = installReservationHook(town);
  const count = Number(env.GIT_CONFIG_COUNT ?? 0);
  const index = Number.isInteger(count) && count >= 0 ? count : 0;
  return {
    TINYTOWN_DIR: town.root,
    TINYTOWN_WORKTREE: folder,
    GIT_CONFIG_COUNT: String(index + 1),
    [`GIT_CONFIG_KEY_${index}`]: 'core.hooksPath',
    [`GIT_CONFIG_VALUE_${index}`]: hooks,
  };
}

/** Where an agent with a worktree runs its CLI, and the environment it gets there. */
export async function agentWorkspace(town: Town, agent: string, env: NodeJS.ProcessEnv): Promise<{ cwd: string; env: Record<string, string> }> {
  const cwd = await ensureAgentWorktree(town, agent);
  return { cwd, env: worktreeEnvironment(town, cwd, env) };
}

/**
 * Before `tt task start` of a task whose assignee works in a worktree: its
 * branch checked out there (created from the town branch's tip the first
 * time). Returns the branch, or null when the assignee has no worktree.
 */
export async function checkOutTaskBranch(town: Town, task: Task): Promise<string | null> {
  if (!task.assignee || !town.gitDir || !usesWorktree(town, task.assignee)) return task.branch;
  const branch = task.branch ?? taskBranchName(task.id);
  if (!TASK_BRANCH_PATTERN.test(branch)) throw new ConflictError(`${task.id} names the branch "${branch}", which is not a task branch (tt/<task id>)`);
  const folder = await ensureAgentWorktree(town, task.assignee);
  if (await runTask(town.root, branchTipTask(branch))) {
    // Another agent's worktree lets go of it first (a reassigned task moves to its new assignee).
    await detachBranchInWorktrees(town.root, branch, folder);
    await runTask(folder, switchBranchHereTask(branch));
  } else {
    const tip = await runTask(town.root, revParseTask('HEAD'));
    await runTask(folder, createBranchHereTask(branch, tip));
  }
  return branch;
}

/** After a cancel: the agent's worktree lets go of the task's branch (its files stay until the next task). */
export async function releaseTaskCheckout(town: Town, task: Task): Promise<void> {
  if (!task.branch || !town.gitDir) return;
  await detachBranchInWorktrees(town.root, task.branch, '');
}

/** `tt task start`: the task's branch checked out in its assignee's worktree first (when it has one), recorded on the task. */
export async function startTaskOnBranch(ctx: OpContext, idInput: string): Promise<TaskResult> {
  const id = resolveTaskId(ctx.town.root, idInput);
  const task = readTask(ctx.town.root, id);
  // Only a start that can succeed touches git: the transition itself refuses the rest, naming the state.
  const branch = task.state === 'assigned' ? await checkOutTaskBranch(ctx.town, task) : task.branch;
  return updateTask(ctx, id, { action: { kind: 'start', branch } });
}

/** `tt task cancel`: the task ends, and its assignee's worktree lets go of its branch (kept, unmerged: tt doctor lists it). */
export async function cancelTaskAndCheckout(ctx: OpContext, idInput: string): Promise<TaskResult> {
  const result = await cancelTask(ctx, idInput);
  await releaseTaskCheckout(ctx.town, result.task);
  return result;
}
