/**
 * The agent operations every face offers (`tt spawn`, `kill`, `interrupt`,
 * `resume`, `close`, `stop`, `wait`, `restart`, `prune`, `recover`; the MCP
 * agent tools): typed input in, an Answer out. They live with the loops,
 * not in the application layer, because starting and stopping a loop is
 * what they do.
 */
import { ConflictError, UsageError } from '../errors.js';
import { openWorkOf } from '../app/reclaim.js';
import { CONDUCTOR, type Agent } from '../core/types.js';
import type { Answer } from '../app/answer.js';
import { agentNames, hasRoleTemplate, knownRoles, resolveAgent, type SpawnOptions } from '../app/agents.js';
import { spawnAgent } from '../app/agents.js';
import { agentJson } from '../app/json.js';
import { ensureAgentWorktree } from '../app/worktrees.js';
import { settleLandedTasks, type LandedTask } from '../app/landed-work.js';
import { settleInterruptedWrites } from '../app/transaction.js';
import type { Session } from '../app/session.js';
import { readAgentRuntime, writeControl, type AgentControl } from '../store/runtime.js';
import { agentCommand } from './cli-command.js';
import { checkAgentCli, CliMissingError, versionNote } from './cli-check.js';
import { killAgent, pruneAgents, recoverAgents, requireRunning, runningAgents, startAgent, stopAll, waitForAgents } from './lifecycle.js';
import { runAgentLoop } from './loop.js';

export interface SpawnInput extends SpawnOptions {
  /** Start its loop (default true). */
  start?: boolean | undefined;
  /** Run the loop in this process until it stops, instead of in the background. */
  foreground?: boolean | undefined;
  maxRounds?: number | undefined;
}

export interface SpawnData {
  agent: Agent;
  pid: number | null;
  /** Why a loop that was asked for was not started (its CLI is missing or cannot run here): the agent is registered. */
  notStarted?: string;
  /** With foreground: why the loop stopped. */
  stopped?: string;
}

export async function spawn(session: Session, input: SpawnInput): Promise<Answer<SpawnData>> {
  const ctx = session.op();
  const start = input.start !== false;
  const { start: _start, foreground, maxRounds, ...options } = input;
  const notes: string[] = [];
  let notStarted: string | undefined;
  const agent = await spawnAgent(ctx, options, async (agent) => {
    // A CLI that cannot take tinytown's MCP server on its command line is refused with --mcp, started or not.
    if (!start && !agent.mcp) return;
    const command = agentCommand(ctx.town.config, agent.cli, { mcp: agent.mcp });
    if (!start) return;
    // An unknown CLI, or one installed that cannot run the preset, is refused before anything is written; one
    // not installed here still registers the agent (the book's `tt spawn backend` then `tt assign backend …`
    // works on any machine).
    try {
      const checked = await checkAgentCli(command, agent.cli, session.env);
      const note = versionNote(agent.cli, checked);
      if (note) notes.push(note);
    } catch (error) {
      if (!(error instanceof CliMissingError)) throw error;
      notStarted = error.message;
    }
  });
  // Its worktree exists from the start: its path is in the answer and in tt status --deep.
  const worktree = agent.worktree ? await ensureAgentWorktree(ctx.town, agent.name) : null;
  if (!hasRoleTemplate(agent.role)) {
    notes.push(`note: tt has no instructions for the role "${agent.role}" (it knows ${knownRoles().join(', ')}); ${agent.name} got generic ones: edit .tinytown/agents/${agent.name}.md to say what it does`);
  }
  if (notStarted !== undefined) {
    notes.push(`warning: ${agent.name} is registered but not started: ${notStarted}`, `note: once its CLI can run, start it with: tt restart ${agent.name} (or give it another: tt config clis.${agent.cli} "…")`);
    return { kind: 'agent', payload: { agent: agentJson(agent), worktree, pid: null, started: false, not_started: notStarted }, notes, data: { agent, pid: null, notStarted } };
  }
  if (start && foreground) {
    const stopped = await runAgentLoop({ root: ctx.town.root, name: agent.name, env: session.env, maxRounds });
    return { kind: 'agent', payload: { agent: agentJson(agent), worktree, stopped }, notes, data: { agent, pid: null, stopped } };
  }
  const pid = start ? await startAgent(ctx.town, agent.name, { maxRounds, env: session.env }) : null;
  return { kind: 'agent', payload: { agent: agentJson(agent), worktree, pid }, notes, data: { agent, pid } };
}

function controlAnswer<T>(payload: Record<string, unknown>, data: T): Answer<T> {
  return { kind: 'agent-control', payload, notes: [], data };
}

export async function kill(session: Session, input: { agent: string }): Promise<Answer<{ agent: string; killed: boolean }>> {
  const town = session.town();
  const agent = resolveAgent(town, input.agent);
  const killed = await killAgent(town, agent);
  return controlAnswer({ agent, killed }, { agent, killed });
}

/** interrupt (pause), resume, close: a request the running loop takes at its next round. */
export async function control(session: Session, input: { agent: string; control: AgentControl }): Promise<Answer<{ agent: string; control: AgentControl }>> {
  const town = session.town();
  const agent = resolveAgent(town, input.agent);
  requireRunning(town, agent);
  await writeControl(town.root, agent, input.control);
  return controlAnswer({ agent, control: input.control }, { agent, control: input.control });
}

export async function stopEvery(session: Session): Promise<Answer<string[]>> {
  const stopped = await stopAll(session.town());
  return controlAnswer({ stopped }, stopped);
}

export async function waitUntilSettled(session: Session, input: { agents?: readonly string[] | undefined; timeoutS: number }): Promise<Answer<string[]>> {
  const town = session.town();
  if (!Number.isFinite(input.timeoutS) || input.timeoutS < 0) throw new UsageError('--timeout must be a number of seconds');
  const wanted = input.agents?.length ? input.agents.map((name) => resolveAgent(town, name)) : runningAgents(town);
  await waitForAgents(town, wanted, input.timeoutS * 1000);
  return controlAnswer({ agents: wanted }, wanted);
}

export async function restart(session: Session, input: { agent: string; rounds?: number | undefined }): Promise<Answer<{ agent: string; pid: number }>> {
  const town = session.town();
  const agent = resolveAgent(town, input.agent);
  const pid = await startAgent(town, agent, { maxRounds: input.rounds, env: session.env });
  return controlAnswer({ agent, pid }, { agent, pid });
}

export async function prune(session: Session, input: { agent?: string | undefined; all?: boolean | undefined; force?: boolean | undefined }): Promise<Answer<string[]>> {
  const ctx = session.op();
  if (!input.agent && !input.all) throw new UsageError('name an agent to prune, or pass --all');
  const targets = input.all
    ? agentNames(ctx.town).filter((name) => name !== CONDUCTOR && !readAgentRuntime(ctx.town.root, name).alive)
    : [resolveAgent(ctx.town, input.agent!)];
  // An agent holding work is not pruned silently: its tasks would wait for an agent that no longer exists.
  const holding = targets.map((name) => ({ name, ...openWorkOf(ctx.town, name) })).filter((held) => held.tasks.length > 0 || held.unread > 0);
  if (holding.length > 0 && !input.force) {
    const what = holding.map((held) => `${held.name} (${[held.tasks.length ? `tasks ${held.tasks.join(', ')}` : '', held.unread ? `${held.unread} unread message(s)` : ''].filter(Boolean).join(', ')})`);
    const first = holding[0]!.name;
    throw new ConflictError(`not pruned: ${what.join('; ')} still hold work; move it first (tt reclaim --from ${first} --to AGENT, or --to-backlog), or prune anyway with --force (tt reclaim --from ${first} still finds it)`);
  }
  const { pruned, worktrees } = await pruneAgents(ctx, targets);
  const answer = controlAnswer({ pruned, worktrees }, pruned);
  for (const kept of worktrees.filter((item) => !item.removed)) {
    answer.notes.push(`kept the worktree of ${kept.agent} at ${kept.folder}: it holds ${kept.uncommitted} uncommitted change(s); ${kept.fix}`);
  }
  return answer;
}

export interface RecoverResult {
  recovered: string[];
  /** Stopped agents' tasks whose work was already in the town's branch: closed as landed, not handed out again. */
  landed: LandedTask[];
}

/** Marks stale agents stopped, then closes as landed the open tasks of stopped agents whose work already landed (app/landed-work.ts). */
export async function recover(session: Session): Promise<Answer<RecoverResult>> {
  const ctx = session.op();
  // First what a killed tt write left (a merge half done among them), so the tasks below are read as they really are.
  const settled = await settleInterruptedWrites(ctx.town);
  const recovered = await recoverAgents(ctx.town);
  const stopped = agentNames(ctx.town).filter((name) => name !== CONDUCTOR && !readAgentRuntime(ctx.town.root, name).alive);
  const landed = await settleLandedTasks(ctx, stopped);
  const answer = controlAnswer({ recovered, landed }, { recovered, landed });
  if (!settled && ctx.town.gitDir) answer.notes.push('a git merge, rebase or similar is in progress: what interrupted tt writes left is finished after it ends (tt doctor lists it)');
  return answer;
}
