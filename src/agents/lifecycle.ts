/**
 * Agent lifecycle controls: kill, stop, interrupt, resume, close, wait,
 * restart, prune, recover. Waits for a loop to end or settle watch the
 * run-time state folder (and inboxes) rather than polling: see wait-for-change.ts.
 */
import path from 'node:path';
import { ConflictError, NotFoundError, TimeoutError } from '../errors.js';
import { CONDUCTOR } from '../core/types.js';
import { ENDED, readAgentRuntime, removeAgentRuntime, runtimePaths, updateAgentRuntime, writeControl, type AgentRuntime } from '../store/runtime.js';
import { isProcessAlive } from '../store/lock.js';
import { waitUntil } from './wait-for-change.js';
import { launchAgentLoop } from './launch.js';
import { agentCommand } from './cli-command.js';
import { checkAgentCli } from './cli-check.js';
import { countUnread, listAgents } from '../store/reader.js';
import { townPaths } from '../store/paths.js';
import { transact } from '../app/transaction.js';
import type { Town } from '../store/town.js';
import { agentNames } from '../app/agents.js';
import type { OpContext } from '../app/context.js';
import { removeAgentWorktree, type WorktreeRemoval } from '../app/worktrees.js';

const KILL_GRACE_MS = 5_000;

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(-pid, name); // the loop's process group: the loop and its CLI
  } catch {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  }
}

/** Names of agents whose loop process is alive. */
export function runningAgents(town: Town): string[] {
  return agentNames(town).filter((name) => readAgentRuntime(town.root, name).alive);
}

/** Ends an agent's loop now: SIGTERM to its process group, SIGKILL after a grace period. */
export async function killAgent(town: Town, name: string): Promise<boolean> {
  const runtime = readAgentRuntime(town.root, name);
  if (!runtime.alive || runtime.pid === null) {
    if (runtime.state !== 'cold' && runtime.state !== 'stopped') await updateAgentRuntime(town.root, name, { state: 'stopped', reason: 'process gone' });
    return false;
  }
  const pid = runtime.pid;
  await writeControl(town.root, name, 'stop');
  signal(pid, 'SIGTERM');
  // The loop's last writes (its state, then its control file cleared) wake this; its exit follows them closely.
  const folders = [runtimePaths.dir(town.root), runtimePaths.controlDir(town.root)];
  const ended = () => !isProcessAlive(pid);
  if (!(await waitUntil(folders, ended, { timeoutMs: KILL_GRACE_MS }))) {
    signal(pid, 'SIGKILL');
    await waitUntil(folders, ended, { timeoutMs: KILL_GRACE_MS });
  }
  // Only if the record is still this loop's: a restart racing this kill keeps its own.
  await updateAgentRuntime(town.root, name, (current) => (current.pid === pid ? { state: 'stopped', reason: 'killed', current_task: null } : undefined));
  return true;
}

export async function stopAll(town: Town): Promise<string[]> {
  const running = runningAgents(town);
  await Promise.all(running.map((name) => killAgent(town, name)));
  return running;
}

export function requireRunning(town: Town, name: string): AgentRuntime {
  const runtime = readAgentRuntime(town.root, name);
  if (!runtime.alive) throw new ConflictError(`${name} is not running (it is ${runtime.state}); start it with tt restart ${name}`);
  return runtime;
}

export interface StartOptions {
  maxRounds?: number | undefined;
  env?: NodeJS.ProcessEnv;
}

/** Starts (or restarts) an agent's loop in the background, after checking its CLI is installed. */
export async function startAgent(town: Town, name: string, options: StartOptions = {}): Promise<number> {
  const agent = listAgents(town.root).items.find((item) => item.name === name);
  if (!agent) throw new NotFoundError(`agent "${name}" is not registered (tt spawn ${name})`);
  if (name === CONDUCTOR) throw new ConflictError('the conductor has no loop: it is you (tt conductor starts its interactive CLI)');
  await checkAgentCli(agentCommand(town.config, agent.cli, { mcp: agent.mcp }), agent.cli, options.env);
  if (readAgentRuntime(town.root, name).alive) await killAgent(town, name);
  return await launchAgentLoop({ root: town.root, name, maxRounds: options.maxRounds, env: options.env });
}

/** Waits until every named agent is stopped, or idle with an empty inbox. Exit 3 on timeout. */
export async function waitForAgents(town: Town, names: readonly string[], timeoutMs: number): Promise<void> {
  const settled = (name: string) => {
    const runtime = readAgentRuntime(town.root, name);
    return !runtime.alive || (runtime.state === 'idle' && countUnread(town.root, name) === 0);
  };
  const busy = () => names.filter((name) => !settled(name));
  // Woken by a loop's state writes and by its inbox emptying; a loop killed with -9 writes nothing, and the fallback re-check sees it.
  const folders = [runtimePaths.dir(town.root), ...names.map((name) => path.join(town.root, townPaths.inbox(name)))];
  if (await waitUntil(folders, () => busy().length === 0, { timeoutMs })) return;
  const still = busy();
  if (still.length === 0) return;
  throw new TimeoutError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${still.join(', ')} (still working or with unread mail)`);
}

export interface PruneResult {
  pruned: string[];
  /** The worktrees of pruned agents that worked in one: removed, or kept for their uncommitted work. */
  worktrees: WorktreeRemoval[];
}

/**
 * Removes stopped agents' registrations (one commit), and their worktrees
 * when those hold no uncommitted work. Their inboxes stay: tt never drops a
 * message.
 */
export async function pruneAgents(ctx: OpContext, names: readonly string[]): Promise<PruneResult> {
  for (const name of names) {
    if (name === CONDUCTOR) throw new ConflictError('the conductor cannot be pruned');
    if (readAgentRuntime(ctx.town.root, name).alive) throw new ConflictError(`${name} is running; tt kill ${name} first`);
  }
  if (names.length === 0) return { pruned: [], worktrees: [] };
  const inWorktrees = new Set(listAgents(ctx.town.root).items.filter((agent) => agent.worktree).map((agent) => agent.name));
  await transact(ctx.town, (writer) => {
    for (const name of names) writer.remove(townPaths.agent(name));
    return { result: undefined, change: { action: 'prune', agent: ctx.actor, summary: names.join(', ') } };
  });
  const worktrees: WorktreeRemoval[] = [];
  for (const name of names) {
    await removeAgentRuntime(ctx.town.root, name);
    const removal = inWorktrees.has(name) ? await removeAgentWorktree(ctx.town, name) : undefined;
    if (removal) worktrees.push(removal);
  }
  return { pruned: [...names], worktrees };
}

/** Agents whose heartbeat is older than stale_after_s and whose process is gone are recorded as stopped. */
export async function recoverAgents(town: Town, now = Date.now()): Promise<string[]> {
  const staleMs = town.config.agent.stale_after_s * 1000;
  const recovered: string[] = [];
  for (const name of agentNames(town)) {
    const runtime = readAgentRuntime(town.root, name);
    const beat = runtime.heartbeat ? Date.parse(runtime.heartbeat) : 0;
    const endedUnrecorded = !runtime.alive && !ENDED.includes(runtime.recorded);
    if (!endedUnrecorded || now - beat < staleMs) continue;
    // Decided again under the lock: a loop restarted meanwhile is not marked stopped.
    let marked = false;
    await updateAgentRuntime(town.root, name, (current) => {
      if (current.pid !== runtime.pid || current.state !== runtime.recorded) return undefined;
      marked = true;
      return { state: 'stopped', reason: 'recovered: process gone', current_task: null };
    });
    if (marked) recovered.push(name);
  }
  return recovered;
}
