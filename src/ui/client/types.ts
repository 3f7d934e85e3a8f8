/** The documents the board server answers with (src/ui/read-model.ts). */

/** What the agent CLIs reported (core/usage.ts): a task's totals, or an agent's with its cached input. */
export interface UsageDoc {
  rounds: number;
  input_tokens: number | null;
  output_tokens: number | null;
  cache_tokens?: number | null;
  cost_usd: number | null;
}

export interface AgentCard {
  name: string;
  role: string;
  state: string;
  alive: boolean;
  heartbeat: string | null;
  reason: string | null;
  usage: UsageDoc | null;
  current_task: { id: string; title: string; state: string } | null;
  unread: number;
  urgent: number;
}

export interface TaskCard {
  id: string;
  title: string;
  state: string;
  assignee: string | null;
  reviewer: string | null;
  priority: string;
  created: string;
  updated: string;
  approved_by: string | null;
  reviewed_commit: string | null;
}

export interface Column {
  key: string;
  title: string;
  total: number;
  offset: number;
  tasks: TaskCard[];
}

export interface Board {
  version: number;
  town: { name: string; root: string };
  agents: AgentCard[];
  columns: Column[];
  open: number;
  total: number;
  problems: Array<{ file: string; message: string }>;
}

export interface MessageDoc {
  id: string;
  from: string;
  to: string;
  type: string;
  task: string | null;
  urgent: boolean;
  created: string;
  body: string;
  path: string;
}

export interface Inbox {
  agent: string;
  unread: number;
  urgent: number;
  messages: MessageDoc[];
}

export interface TimelineEntry {
  commit: string;
  time: string;
  action: string;
  agent: string;
  task: string | null;
  summary: string;
  reviewed_by?: string;
  reviewed_commit: string | null;
  reason: string | null;
}

export interface TaskPage {
  task: TaskCard & {
    usage: UsageDoc | null; body: string; result: string | null; tags: string[]; started: string | null; completed: string | null; path: string;
    /** The task's branch (its assignee works in a worktree) and the tip handed to review. */
    branch: string | null; review_commit: string | null;
  };
  timeline: TimelineEntry[];
  messages: MessageDoc[];
}
