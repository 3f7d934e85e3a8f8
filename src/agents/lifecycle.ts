/** Agent lifecycle controls: kill, stop, interrupt, resume, close, wait, restart, prune, recover. */
import { rmSync } from 'node:fs';
import { ConflictError, NotFoundError, TimeoutError } from '../errors.js';
import { CONDUCTOR } from '../core/types.js';
import { readAgentRuntime, runtimePaths, updateAgentRuntime, writeControl, type AgentRuntime } from '../store/runtime.js';
import { launchAgentLoop } from './launch.js';
import { agentCommand, requireInstalled } from './cli-command.js';
import { countUnread, listAgents } from '../store/reader.js';
import { townPaths } from '../store/paths.js';
import { transact } from '../app/transaction.js';
import type { Town } from '../store/town.js';
import { agentNames } from '../app/agents.js';
import type { OpContext } from '../app/context.js';

const KILL_GRACE_MS = 5_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

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
    if (runtime.state !== 'cold' && runtime.state !== 'stopped') updateAgentRuntime(town.root, name, { state: 'stopped', reason: 'process gone' });
    return false;
  }
  writeControl(town.root, name, 'stop');
  signal(runtime.pid, 'SIGTERM');
  const deadline = Date.now() + KILL_GRACE_MS;
  while (readAgentRuntime(town.root, name).alive && Date.now() < deadline) await sleep(50);
  if (readAgentRuntime(town.root, name).alive) signal(runtime.pid, 'SIGKILL');
  updateAgentRuntime(town.root, name, { state: 'stopped', reason: 'killed', current_task: null });
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
  requireInstalled(agentCommand(town.config, agent.cli), agent.cli, options.env);
  if (readAgentRuntime(town.root, name).alive) await killAgent(town, name);
  return launchAgentLoop({ root: town.root, name, maxRounds: options.maxRounds, env: options.env });
}

/** Waits until every named agent is stopped, or idle with an empty inbox. Exit 3 on timeout. */
export async function waitForAgents(town: Town, names: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const settled = (name: string) => {
    const runtime = readAgentRuntime(town.root, name);
    return !runtime.alive || (runtime.state === 'idle' && countUnread(town.root, name) === 0);
  };
  for (;;) {
    const busy = names.filter((name) => !settled(name));
    if (busy.length === 0) return;
    if (Date.now() > deadline) throw new TimeoutError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${busy.join(', ')} (still working or with unread mail)`);
    await sleep(100);
  }
}

/** Removes stopped agents' registrations (one commit). Their inboxes stay: tt never drops a message. */
export async function pruneAgents(ctx: OpContext, names: readonly string[]): Promise<string[]> {
  for (const name of names) {
    if (name === CONDUCTOR) throw new ConflictError('the conductor cannot be pruned');
    if (readAgentRuntime(ctx.town.root, name).alive) throw new ConflictError(`${name} is running; tt kill ${name} first`);
  }
  if (names.length === 0) return [];
  await transact(ctx.town, (writer) => {
    for (const name of names) writer.remove(townPaths.agent(name));
    return { result: undefined, change: { action: 'prune', agent: ctx.actor, summary: names.join(', ') } };
  });
  for (const name of names) {
    rmSync(runtimePaths.state(ctx.town.root, name), { force: true });
    rmSync(runtimePaths.control(ctx.town.root, name), { force: true });
  }
  return [...names];
}

/** Agents whose heartbeat is older than stale_after_s and whose process is gone are recorded as stopped. */
export function recoverAgents(town: Town, now = Date.now()): string[] {
  const staleMs = town.config.agent.stale_after_s * 1000;
  const recovered: string[] = [];
  for (const name of agentNames(town)) {
    const runtime = readAgentRuntime(town.root, name);
    const beat = runtime.heartbeat ? Date.parse(runtime.heartbeat) : 0;
    const endedUnrecorded = !runtime.alive && !['stopped', 'cold', 'error'].includes(runtime.recorded);
    if (!endedUnrecorded || now - beat < staleMs) continue;
    updateAgentRuntime(town.root, name, { state: 'stopped', reason: 'recovered: process gone', current_task: null });
    recovered.push(name);
  }
  return recovered;
}
