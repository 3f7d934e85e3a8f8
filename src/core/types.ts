/** The town's records as typed objects; key order here is the canonical order on disk. */

export const TASK_STATES = ['pending', 'assigned', 'running', 'review', 'completed', 'failed', 'cancelled'] as const;
export type TaskState = (typeof TASK_STATES)[number];
export const OPEN_TASK_STATES: readonly TaskState[] = ['pending', 'assigned', 'running', 'review'];

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const MESSAGE_TYPES = [
  'task', 'query', 'info', 'ack', 'task_assign', 'task_done', 'task_failed',
  'review_request', 'approved', 'changes_requested', 'custom',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export const AGENT_RUN_STATES = ['starting', 'idle', 'working', 'paused', 'draining', 'stopped', 'error', 'stuck', 'cold'] as const;
export type AgentRunState = (typeof AGENT_RUN_STATES)[number];

/** Keys a reader did not recognise; kept and written back after the canonical ones. */
export type ExtraFields = Record<string, unknown>;

export interface Task {
  id: string;
  title: string;
  state: TaskState;
  assignee: string | null;
  reviewer: string | null;
  priority: Priority;
  tags: string[];
  parent: string | null;
  created: string;
  updated: string;
  started: string | null;
  completed: string | null;
  result: string | null;
  approved_by: string | null;
  reviewed_commit: string | null;
  /** `tt/<id>` when the assignee works in a worktree of its own (DESIGN §6). */
  branch: string | null;
  /** The branch tip handed to review: what `tt approve` merges. */
  review_commit: string | null;
  /** What the agent CLIs reported for the rounds spent on this task (DESIGN §7); null until a round is recorded. */
  usage: TaskUsage | null;
  body: string;
  extra: ExtraFields;
}
export const TASK_KEYS = [
  'id', 'title', 'state', 'assignee', 'reviewer', 'priority', 'tags', 'parent', 'created', 'updated',
  'started', 'completed', 'result', 'approved_by', 'reviewed_commit', 'branch', 'review_commit', 'usage',
] as const;

/**
 * A task's usage, summed over the rounds recorded on it. Tokens are null
 * until a round's CLI reported some, `cost_usd` until one reported a cost (a
 * scripted agent or a custom command records rounds only).
 */
export interface TaskUsage {
  rounds: number;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
}
export const TASK_USAGE_KEYS = ['rounds', 'input_tokens', 'output_tokens', 'cost_usd'] as const;

export interface Message {
  id: string;
  from: string;
  to: string;
  type: MessageType;
  task: string | null;
  urgent: boolean;
  created: string;
  reply_to: string | null;
  /** Only for `custom` messages: what kind of custom message this is. */
  kind: string | null;
  body: string;
  extra: ExtraFields;
}
export const MESSAGE_KEYS = ['id', 'from', 'to', 'type', 'task', 'urgent', 'created', 'reply_to'] as const;

export interface Agent {
  name: string;
  role: string;
  cli: string;
  nickname: string | null;
  parent: string | null;
  created: string;
  /** Runs its CLI in a git worktree of its own (DESIGN §6); written only when true. */
  worktree?: boolean;
  /** Its rounds get tinytown's MCP server on the CLI's command line (tt spawn --mcp); written only when true. */
  mcp?: boolean;
  body: string;
  extra: ExtraFields;
}
export const AGENT_KEYS = ['name', 'role', 'cli', 'nickname', 'parent', 'created'] as const;

/** A claim on paths of the repository (DESIGN §6): `.tinytown/reservations/<id>.md`. */
export interface Reservation {
  id: string;
  holder: string;
  /** Repository paths or globs (`*`, `?`, `**`), relative to the top, "/"-separated. */
  paths: string[];
  task: string | null;
  exclusive: boolean;
  created: string;
  /** When it stops counting; null: it ends with its task or when released. */
  expires: string | null;
  body: string;
  extra: ExtraFields;
}
export const RESERVATION_KEYS = ['id', 'holder', 'paths', 'task', 'exclusive', 'created', 'expires'] as const;

export interface TownConfig {
  name: string;
  default_cli: string;
  clis: Record<string, string>;
  git: { auto_commit: boolean };
  agent: { max_rounds: number; idle_timeout_s: number; stale_after_s: number; worktree: boolean; mcp: boolean };
}

export const CONDUCTOR = 'conductor';
/** `supervisor` is the same well-known mailbox as `conductor` (the Tinytown book). */
export const CONDUCTOR_ALIASES: readonly string[] = ['conductor', 'supervisor'];

/**
 * Every `Tinytown-Action` tt commits (DESIGN §2). A journal entry naming
 * another is refused; a new action is added here.
 */
export const TOWN_ACTIONS = [
  'init', 'config', 'spawn', 'prune', 'send', 'read', 'assign', 'start', 'complete', 'fail', 'cancel', 'requeue', 'claim',
  'backlog-add', 'backlog-remove', 'review', 'approve', 'reject', 'accept', 'merge', 'restore', 'reclaim', 'doctor', 'import',
  'edit', 'reassign', 'reserve', 'release', 'usage',
] as const;
