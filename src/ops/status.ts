/** `tt status` and `tt list`: the town at a glance, from one pass over tasks and a readdir per inbox. */
import { TASK_STATES, type Agent, type AgentRunState, type Task, type TaskState } from '../core/types.js';
import { readAgentRuntime } from '../store/runtime.js';
import { listAgents, listTasks, type Problem } from '../store/reader.js';
import { inboxSummary } from '../store/inbox-summary.js';
import type { Town } from '../store/town.js';

export interface AgentStatus {
  name: string;
  role: string;
  state: AgentRunState;
  unread: number;
  urgent: number;
  current_task: string | null;
}

export interface TownStatus {
  town: { name: string; root: string };
  agents: AgentStatus[];
  tasks: Record<TaskState, number>;
  openTasks: Task[];
  problems: Problem[];
}

export function currentTaskOf(tasks: readonly Task[], agent: string): Task | undefined {
  const mine = tasks.filter((task) => task.assignee === agent);
  return mine.find((task) => task.state === 'running') ?? mine.find((task) => task.state === 'assigned');
}

function agentStatus(town: Town, agent: Agent, tasks: readonly Task[]): AgentStatus {
  const { unread, urgent } = inboxSummary(town.root, agent.name);
  return {
    name: agent.name, role: agent.role, state: readAgentRuntime(town.root, agent.name).state,
    unread, urgent, current_task: currentTaskOf(tasks, agent.name)?.id ?? null,
  };
}

export function townStatus(town: Town): TownStatus {
  const agentListing = listAgents(town.root);
  const taskListing = listTasks(town.root);
  const problems = [...agentListing.problems, ...taskListing.problems];
  const tasks = taskListing.items;
  const counts = Object.fromEntries(TASK_STATES.map((state) => [state, 0])) as Record<TaskState, number>;
  for (const task of tasks) counts[task.state]++;
  return {
    town: { name: town.config.name, root: town.root },
    agents: agentListing.items.map((agent) => agentStatus(town, agent, tasks)),
    tasks: counts,
    openTasks: tasks.filter((task) => ['pending', 'assigned', 'running', 'review'].includes(task.state)),
    problems,
  };
}
