/**
 * The tools: a table of small specs, each naming the tt command it runs.
 * A field exposed as-is takes its type, choices and requiredness from the
 * command's own definition, so the CLI and MCP cannot drift apart; MCP-only
 * fields (send's `type`, inbox_wait's bounded `timeout`) map onto CLI args.
 * Descriptions are short on purpose: every byte of the tool list sits in the
 * agent's context for the whole session (README: "Agents' tools: MCP").
 */
import { z, type ZodType } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Args, CommandDefinition, CommandOutput, OptionSpec } from '../cli/command.js';
import { TimeoutError } from '../errors.js';
import { commandAt, runCommand, toolError, toolResult, typedActor, type McpServerOptions } from './invoke.js';

type Input = Record<string, unknown>;

export interface ToolSpec {
  name: string;
  description: string;
  /** The tt command it runs: ['task', 'start']. */
  command: readonly string[];
  /** The command's positionals and options exposed as they are. */
  fields?: readonly string[];
  /** Shorter words where the CLI's description talks about flags. */
  describe?: Readonly<Record<string, string>>;
  /** MCP-only fields, turned into CLI args by `args`. */
  extra?: Readonly<Record<string, ZodType>>;
  /** CLI args from the MCP-only fields (and fixed flags); `actor` is the acting agent as typed. */
  args?: (input: Input, actor: string | undefined) => Args;
  readOnly?: boolean;
  /** An error that is an answer, not a failure (a wait that found nothing). */
  recover?: (error: unknown, input: Input, actor: string | undefined) => CommandOutput | undefined;
}

/** Longest inbox_wait: MCP clients give up on a call after 60 s by default. */
export const MAX_WAIT_S = 50;
const DEFAULT_WAIT_S = 30;

const AGENT = 'Agent name (default: you)';
const ID = 'Task id or unique prefix';
const CC = 'Also send to these agents';

export const TOOLS: readonly ToolSpec[] = [
  {
    name: 'status', command: ['status'], readOnly: true, fields: ['tasks', 'deep'],
    description: 'The town at a glance: agents (state, unread mail, current task) and task counts',
    describe: { tasks: 'Also list open tasks', deep: 'Also runtime details, log tails, unread messages, open tasks' },
  },
  { name: 'agent_list', command: ['list'], readOnly: true, description: 'List the agents (role, CLI, instructions)' },
  {
    name: 'agent_spawn', command: ['spawn'], fields: ['name', 'role', 'cli', 'start'],
    description: 'Register an agent and start its loop in the background',
    describe: { role: 'worker (default), reviewer, researcher, tester, …', cli: 'Agent CLI (default: the town\'s)', start: 'Start its loop (default true; false: register only)' },
  },
  { name: 'agent_kill', command: ['kill'], fields: ['agent'], description: 'Stop an agent\'s loop now' },
  { name: 'agent_interrupt', command: ['interrupt'], fields: ['agent'], description: 'Pause an agent after its current round' },
  { name: 'agent_resume', command: ['resume'], fields: ['agent'], description: 'Resume a paused agent' },
  {
    name: 'agent_prune', command: ['prune'], fields: ['agent', 'all'],
    description: 'Remove a stopped agent\'s registration (its inbox is kept)', describe: { all: 'Every stopped agent' },
  },
  {
    name: 'inbox', command: ['inbox'], readOnly: true, fields: ['agent', 'all'],
    description: 'Unread messages (urgent first, then oldest); they stay unread',
    describe: { agent: AGENT, all: 'Every agent\'s unread messages' },
  },
  {
    name: 'inbox_mark_read', command: ['inbox'], fields: ['agent'],
    description: 'Take the unread messages: returns them and moves them to read/',
    describe: { agent: AGENT }, args: () => ({ markRead: true, 'mark-read': true }),
  },
  {
    name: 'inbox_wait', command: ['inbox'], fields: ['agent'],
    description: `Wait until a message arrives (at most ${MAX_WAIT_S} s) and return the unread ones; timed_out if none came`,
    describe: { agent: AGENT },
    extra: {
      timeout: z.number().min(0).max(MAX_WAIT_S).optional().describe(`Seconds (default ${DEFAULT_WAIT_S})`),
      mark_read: z.boolean().optional().describe('Also mark them read'),
    },
    args: (input) => ({ wait: true, timeout: input.timeout ?? DEFAULT_WAIT_S, markRead: input.mark_read, 'mark-read': input.mark_read }),
    recover: (error, input, actor) => (error instanceof TimeoutError
      ? { kind: 'inbox', payload: { agent: input.agent ?? actor ?? 'conductor', messages: [], timed_out: true }, text: '' }
      : undefined),
  },
  {
    name: 'send', command: ['send'], fields: ['to', 'message', 'urgent', 'task', 'cc'],
    description: 'Send a message to an agent (conductor/supervisor, a name or a nickname)',
    describe: { message: 'The text', urgent: 'Read before everything else', task: 'The task it is about', cc: CC },
    extra: { type: z.enum(['task', 'query', 'info', 'ack']).optional().describe('task (default): do something; query: needs an answer; info: FYI; ack: acknowledges') },
    args: (input) => ({ query: input.type === 'query', info: input.type === 'info', ack: input.type === 'ack' }),
  },
  {
    name: 'assign', command: ['assign'], fields: ['agent', 'description', 'title', 'priority', 'tags', 'reviewer'],
    description: 'Create a task for an agent (a task_assign message in its inbox)',
    describe: { agent: 'Who does it', description: 'What to do (first line: the title)', reviewer: 'Who reviews it (then review → approve completes it)', tags: 'Tags' },
  },
  {
    name: 'task_list', command: ['task', 'list'], readOnly: true, fields: ['state', 'agent'],
    description: 'List tasks', describe: { state: 'Only these states, comma-separated (pending,assigned,running,review,…)', agent: 'Only this agent\'s' },
  },
  { name: 'task_show', command: ['task', 'show'], readOnly: true, fields: ['id', 'history'], description: 'One task; history: its timeline from git', describe: { id: ID, history: 'Add its timeline' } },
  { name: 'task_current', command: ['task', 'current'], readOnly: true, fields: ['agent'], description: 'The task an agent is on (running, else oldest assigned)', describe: { agent: AGENT } },
  { name: 'task_start', command: ['task', 'start'], fields: ['id'], description: 'Start a task: assigned → running', describe: { id: ID } },
  {
    name: 'task_complete', command: ['task', 'complete'], fields: ['id', 'result'],
    description: 'Finish a task that has no reviewer (one with a reviewer goes through review)', describe: { id: ID },
  },
  { name: 'task_fail', command: ['task', 'fail'], fields: ['id', 'reason'], description: 'Mark an open task failed', describe: { id: ID } },
  { name: 'backlog_list', command: ['backlog', 'list'], readOnly: true, description: 'The backlog: pending, unassigned tasks' },
  {
    name: 'backlog_add', command: ['backlog', 'add'], fields: ['description', 'title', 'priority', 'tags'],
    description: 'Add an unassigned task to the backlog', describe: { description: 'What to do (first line: the title)', tags: 'Tags' },
  },
  {
    name: 'backlog_claim', command: ['backlog', 'claim'], fields: ['id'],
    description: 'Give a backlog task to an agent; of racing claims exactly one wins',
    describe: { id: ID }, extra: { agent: z.string().optional().describe(AGENT) },
    args: (input, actor) => ({ agent: input.agent ?? actor ?? 'conductor' }),
  },
  {
    name: 'review', command: ['review'], fields: ['id', 'to', 'message', 'cc'],
    description: 'Hand your task to its reviewer (task → review; the reviewer gets the commits since you started)',
    describe: { id: ID, to: 'Reviewer (default: the task\'s)', cc: CC },
  },
  {
    name: 'approve', command: ['approve'], fields: ['id', 'message', 'cc'],
    description: 'Approve a task in review (its reviewer or the conductor): → completed, pinned to HEAD', describe: { id: ID, cc: CC },
  },
  {
    name: 'reject', command: ['reject'], fields: ['id', 'reason', 'cc'],
    description: 'Request changes on a task in review: back to its assignee with the reason', describe: { id: ID, cc: CC },
  },
  {
    name: 'history', command: ['history'], readOnly: true, fields: ['n', 'agent', 'task'],
    description: 'Town events from git, newest first', describe: { n: 'How many (default 20)', agent: 'Only by this agent', task: 'Only about this task' },
  },
  {
    name: 'summary', command: ['summary'], readOnly: true, fields: ['range'],
    description: 'The coordination in a commit range (default: since the merge-base with the default branch), for a PR',
    describe: { range: 'A git range such as main..HEAD' },
  },
];

interface FieldSpec {
  option: OptionSpec;
  describe: string;
}

function fieldSpec(definition: CommandDefinition, name: string): FieldSpec {
  const positional = definition.positionals?.find((p) => p.name === name);
  if (positional) return { option: { type: 'string', describe: positional.describe, required: positional.required !== false }, describe: positional.describe };
  const option = definition.options?.[name];
  if (!option) throw new Error(`tt ${definition.path.join(' ')} has no argument "${name}"`);
  return { option, describe: option.describe };
}

function fieldSchema({ option }: FieldSpec, describe: string): ZodType {
  const base = option.choices?.length ? z.enum(option.choices as [string, ...string[]])
    : option.array ? z.array(z.string())
      : option.type === 'number' ? z.number()
        : option.type === 'boolean' ? z.boolean()
          : z.string();
  return (option.required ? base : base.optional()).describe(describe);
}

function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

export interface BuiltTool {
  spec: ToolSpec;
  shape: Record<string, ZodType>;
  /** MCP input → the args the command's run() takes (as the CLI parser would make them). */
  toArgs(input: Input, actor: string | undefined): Args;
}

export function buildTool(spec: ToolSpec): BuiltTool {
  const definition = commandAt(spec.command);
  const fields = (spec.fields ?? []).map((name) => [name, fieldSpec(definition, name)] as const);
  const shape: Record<string, ZodType> = {};
  for (const [name, field] of fields) shape[name] = fieldSchema(field, spec.describe?.[name] ?? field.describe);
  Object.assign(shape, spec.extra);
  return {
    spec, shape,
    toArgs(input, actor) {
      const args: Args = {};
      for (const [name, field] of fields) {
        const value = input[name] ?? field.option.default;
        if (value === undefined) continue;
        args[name] = value;
        args[camelCase(name)] = value;
      }
      return { ...args, ...spec.args?.(input, actor) };
    },
  };
}

/** One call: validated input in, the command's JSON document (or a tool error) out; never throws. */
export async function callTool(tool: BuiltTool, input: Input, options: McpServerOptions) {
  const actor = typedActor(options);
  try {
    return toolResult(await runCommand(options, tool.spec.command, tool.toArgs(input, actor)));
  } catch (error) {
    const recovered = tool.spec.recover?.(error, input, actor);
    if (recovered) return toolResult(recovered);
    return toolError(error, options.log ?? ((text) => void process.stderr.write(text)));
  }
}

export function registerTools(server: McpServer, options: McpServerOptions): void {
  for (const spec of TOOLS) {
    const tool = buildTool(spec);
    server.registerTool(spec.name, {
      description: spec.description,
      inputSchema: z.strictObject(tool.shape),
      ...(spec.readOnly ? { annotations: { readOnlyHint: true } } : {}),
    }, (input: Input) => callTool(tool, input, options));
  }
}
