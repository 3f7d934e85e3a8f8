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

/**
 * Each agent's current task: its first running task, else its first assigned
 * one (in file order). One pass, however many agents ask.
 */
export function currentTasks(tasks: readonly Task[]): Map<string, Task> {
  const running = new Map<string, Task>();
  const assigned = new Map<string, Task>();
  for (const task of tasks) {
    const first = task.state === 'running' ? running : task.state === 'assigned' ? assigned : undefined;
    if (task.assignee && first && !first.has(task.assignee)) first.set(task.assignee, task);
  }
  for (const [agent, task] of assigned) if (!running.has(agent)) running.set(agent, task);
  return running;
}

function agentStatus(town: Town, agent: Agent, current: ReadonlyMap<string, Task>): AgentStatus {
  const { unread, urgent } = inboxSummary(town.root, agent.name);
  return {
    name: agent.name, role: agent.role, state: readAgentRuntime(town.root, agent.name).state,
    unread, urgent, current_task: current.get(agent.name)?.id ?? null,
  };
}

export function townStatus(town: Town): TownStatus {
  const agentListing = listAgents(town.root);
  const taskListing = listTasks(town.root);
  const problems = [...agentListing.problems, ...taskListing.problems];
  const tasks = taskListing.items;
  const counts = Object.fromEntries(TASK_STATES.map((state) => [state, 0])) as Record<TaskState, number>;
  for (const task of tasks) counts[task.state]++;
  const current = currentTasks(tasks);
  return {
    town: { name: town.config.name, root: town.root },
    agents: agentListing.items.map((agent) => agentStatus(town, agent, current)),
    tasks: counts,
    openTasks: tasks.filter((task) => ['pending', 'assigned', 'running', 'review'].includes(task.state)),
    problems,
  };
}
