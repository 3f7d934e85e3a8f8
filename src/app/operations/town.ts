/**
 * The town-wide reads every face offers: status, the agent list, history and
 * the coordination summary of a commit range.
 */
import { NotFoundError, UsageError } from '../../errors.js';
import type { Agent } from '../../core/types.js';
import { readTownLog, type TownEvent } from '../../git/log.js';
import { logTail } from '../../store/log-tail.js';
import { listAgents, resolveTaskId } from '../../store/reader.js';
import { readAgentRuntime, type ObservedRuntime } from '../../store/runtime.js';
import { problemNotes, type Answer } from '../answer.js';
import { agentJson, eventJson, taskJson } from '../json.js';
import { resolveAgent } from '../agents.js';
import { readInbox, type InboxListing } from '../messages.js';
import { townStatus, type TownStatus } from '../status.js';
import { agentWorktreePath } from '../worktrees.js';
import { coordinationSummary, type CoordinationSummary } from '../summary.js';
import type { Session } from '../session.js';

export interface StatusInput {
  /** Also the open tasks. */
  tasks?: boolean | undefined;
  /** Also each agent's run-time details and log tail, the unread messages, and the open tasks. */
  deep?: boolean | undefined;
}

export interface AgentDetail {
  name: string;
  runtime: ObservedRuntime;
  log: string[];
  /** The agent's own worktree (tt spawn --worktree), or null. */
  worktree: string | null;
}

export interface StatusData {
  status: TownStatus;
  /** With deep: per agent, in status order. */
  details: AgentDetail[];
  /** With deep: the inboxes holding unread mail. */
  inboxes: InboxListing[];
}

export function status(session: Session, input: StatusInput): Answer<StatusData> {
  const town = session.town();
  const status = townStatus(town);
  const deep = Boolean(input.deep);
  const inWorktrees = deep ? new Set(listAgents(town.root).items.filter((agent) => agent.worktree).map((agent) => agent.name)) : new Set<string>();
  const details = deep ? status.agents.map((agent) => ({
    name: agent.name, runtime: readAgentRuntime(town.root, agent.name), log: logTail(town.root, agent.name),
    worktree: inWorktrees.has(agent.name) ? agentWorktreePath(town.root, agent.name) : null,
  })) : [];
  const inboxes = deep ? status.agents.filter((agent) => agent.unread > 0).map((agent) => readInbox(town, agent.name)) : [];
  const agents = deep ? status.agents.map((agent, i) => ({ ...agent, worktree: details[i]!.worktree, runtime: details[i]!.runtime, log_tail: details[i]!.log })) : status.agents;
  return {
    kind: 'status',
    payload: {
      town: status.town, agents, tasks: status.tasks,
      ...(input.tasks || deep ? { open_tasks: status.openTasks.map(taskJson) } : {}),
      ...(status.problems.length ? { problems: status.problems } : {}),
    },
    notes: problemNotes(status.problems),
    data: { status, details, inboxes },
  };
}

export function listTownAgents(session: Session): Answer<Agent[]> {
  const { items, problems } = listAgents(session.town().root);
  return { kind: 'agent-list', payload: { agents: items.map(agentJson) }, notes: problemNotes(problems), data: items };
}

/** One agent: its file (durable facts) and its live status (state, unread, current task). */
export function showAgent(session: Session, input: { name: string }): Answer<Agent> {
  const town = session.town();
  const name = resolveAgent(town, input.name);
  const agent = listAgents(town.root).items.find((item) => item.name === name);
  if (!agent) throw new NotFoundError(`agent "${name}" has no readable file (tt doctor)`);
  const live = townStatus(town).agents.find((item) => item.name === name);
  const liveFields = live ? { state: live.state, unread: live.unread, urgent: live.urgent, current_task: live.current_task } : {};
  return { kind: 'agent', payload: { agent: { ...agentJson(agent), ...liveFields } }, notes: [], data: agent };
}

export interface HistoryInput {
  /** How many events, newest first (default 20). */
  n?: number | undefined;
  agent?: string | undefined;
  task?: string | undefined;
}

export const DEFAULT_HISTORY_EVENTS = 20;

export async function history(session: Session, input: HistoryInput): Promise<Answer<TownEvent[]>> {
  const town = session.town();
  const limit = input.n ?? DEFAULT_HISTORY_EVENTS;
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('-n must be a positive whole number');
  const events = await readTownLog({
    root: town.root, limit,
    agent: input.agent ? resolveAgent(town, input.agent) : undefined,
    task: input.task ? resolveTaskId(town.root, input.task) : undefined,
  });
  return { kind: 'history', payload: { events: events.map(eventJson) }, notes: [], data: events };
}

export async function summary(session: Session, input: { range?: string | undefined }): Promise<Answer<CoordinationSummary>> {
  const summary = await coordinationSummary(session.town(), input.range);
  return { kind: 'summary', payload: { summary }, notes: [], data: summary };
}
