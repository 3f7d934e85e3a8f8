/**
 * The tools: a table of small specs, each with its own input schema and a call
 * into the same operations the CLI and the board run (src/app/operations,
 * src/agents/operations.ts), so every write is the commit `tt` makes and every
 * answer is the document `tt --json` prints. Descriptions are short on
 * purpose: every byte of the tool list sits in the agent's context for the
 * whole session (README: "Agents' tools: MCP").
 */
import { z, type ZodType } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { PRIORITIES } from '../core/types.js';
import { TimeoutError } from '../errors.js';
import type { Answer } from '../app/answer.js';
import * as messages from '../app/operations/messages.js';
import * as tasks from '../app/operations/tasks.js';
import { search } from '../app/operations/search.js';
import * as town from '../app/operations/town.js';
import * as reservations from '../app/operations/reservations.js';
import { Session } from '../app/session.js';
import * as agents from '../agents/operations.js';
import { recordRoundCall } from '../agents/round-ledger.js';
import { waitForUnread } from '../watch/inbox-wait.js';
import { toolError, toolResult, type McpServerOptions } from './invoke.js';

type Shape = Record<string, ZodType>;

export interface ToolSpec<S extends Shape = Shape> {
  name: string;
  description: string;
  input: S;
  readOnly?: boolean;
  run(session: Session, input: z.infer<z.ZodObject<S>>): Answer | Promise<Answer>;
}

/** Keeps each spec's input type tied to its own schema while the table holds them all. */
function tool<S extends Shape>(spec: ToolSpec<S>): ToolSpec {
  return spec as unknown as ToolSpec;
}

/** Longest inbox_wait: MCP clients give up on a call after 60 s by default. */
export const MAX_WAIT_S = 50;
const DEFAULT_WAIT_S = 30;

const text = (describe: string) => z.string().describe(describe);
const optionalText = (describe: string) => z.string().optional().describe(describe);
const flag = (describe: string) => z.boolean().optional().describe(describe);
const ID = text('Task id or unique prefix');
const AGENT = optionalText('Agent name (default: you)');
const CC = z.array(z.string()).optional().describe('Also send to these agents');
const PRIORITY = z.enum(PRIORITIES).optional().describe('default: normal');
const TAGS = z.array(z.string()).optional().describe('Tags');
const DESCRIPTION = text('What to do (first line: the title)');
const TITLE = optionalText('Short title (default: first line of the description)');
const LIMIT = z.number().int().min(0).optional().describe('At most this many, the newest (default 50; 0: all)');

export const TOOLS: readonly ToolSpec[] = [
  tool({
    name: 'status', readOnly: true,
    description: 'The town at a glance: agents (state, unread mail, current task) and task counts',
    input: { tasks: flag('Also list open tasks'), deep: flag('Also runtime details, log tails, unread messages, open tasks') },
    run: town.status,
  }),
  tool({ name: 'agent_list', readOnly: true, description: 'List the agents (role, CLI, instructions)', input: {}, run: (session) => town.listTownAgents(session) }),
  tool({
    name: 'agent_spawn',
    description: 'Register an agent and start its loop in the background',
    input: {
      name: text('Agent name: a-z, 0-9, "-", starting with a letter'),
      role: optionalText('worker (default), reviewer, researcher, tester, …'),
      cli: optionalText('Agent CLI (default: the town\'s)'),
      start: flag('Start its loop (default true; false: register only)'),
      worktree: flag('Work in a git worktree of its own'),
      mcp: flag('Give its rounds the tinytown MCP tools on its CLI\'s command line (claude, codex)'),
    },
    run: agents.spawn,
  }),
  tool({ name: 'agent_kill', description: 'Stop an agent\'s loop now', input: { agent: text('Agent name or nickname') }, run: agents.kill }),
  tool({
    name: 'agent_interrupt', description: 'Pause an agent after its current round',
    input: { agent: text('Agent name or nickname') }, run: (session, input) => agents.control(session, { agent: input.agent, control: 'pause' }),
  }),
  tool({
    name: 'agent_resume', description: 'Resume a paused agent',
    input: { agent: text('Agent name or nickname') }, run: (session, input) => agents.control(session, { agent: input.agent, control: 'resume' }),
  }),
  tool({
    name: 'agent_prune', description: 'Remove a stopped agent\'s registration (its inbox is kept)',
    input: { agent: optionalText('The agent to prune'), all: flag('Every stopped agent') },
    run: agents.prune,
  }),
  tool({
    name: 'inbox', readOnly: true,
    description: `The newest ${messages.DEFAULT_INBOX_LIMIT} unread messages (urgent first, then oldest) and the unread count; they stay unread`,
    input: { agent: AGENT, all: flag('Every agent\'s unread messages'), limit: LIMIT },
    run: (session, input) => (input.all ? messages.showAllInboxes(session, { limit: input.limit }) : messages.showInbox(session, { agent: input.agent, limit: input.limit })),
  }),
  tool({
    name: 'inbox_mark_read',
    description: 'Take the unread messages: returns them (the newest, as inbox) and moves exactly those to read/',
    input: { agent: AGENT, limit: LIMIT },
    run: (session, input) => messages.showInbox(session, { agent: input.agent, markRead: true, limit: input.limit }),
  }),
  tool({
    name: 'inbox_wait',
    description: `Wait until a message arrives (at most ${MAX_WAIT_S} s) and return the unread ones; timed_out if none came`,
    input: {
      agent: AGENT,
      timeout: z.number().min(0).max(MAX_WAIT_S).optional().describe(`Seconds (default ${DEFAULT_WAIT_S})`),
      mark_read: flag('Also mark them read'),
    },
    async run(session, input) {
      const agent = messages.inboxAgent(session, input.agent);
      const intake = await messages.takeInMail(session, [agent]);
      try {
        const waited = await waitForUnread(session.town(), agent, { timeoutMs: (input.timeout ?? DEFAULT_WAIT_S) * 1000 });
        const answer = await messages.showInbox(session, { agent, markRead: input.mark_read, waited });
        return { ...answer, notes: [...intake, ...answer.notes] };
      } catch (error) {
        // Nothing came: an answer, not a failure.
        if (error instanceof TimeoutError) return { kind: 'inbox', payload: { agent, messages: [], timed_out: true }, notes: intake, data: null };
        throw error;
      }
    },
  }),
  tool({
    name: 'send',
    description: 'Send a message to an agent (conductor/supervisor, a name or a nickname)',
    input: {
      to: text('Recipient agent'),
      message: text('The text'),
      urgent: flag('Read before everything else'),
      task: optionalText('The task it is about'),
      cc: CC,
      type: z.enum(['task', 'query', 'info', 'ack']).optional().describe('task (default): do something; query: needs an answer; info: FYI; ack: acknowledges'),
    },
    run: messages.send,
  }),
  tool({
    name: 'assign',
    description: 'Create a task for an agent (a task_assign message in its inbox)',
    input: {
      agent: text('Who does it'), description: DESCRIPTION, title: TITLE, priority: PRIORITY, tags: TAGS,
      reviewer: optionalText('Who reviews it (then review → approve completes it)'),
    },
    run: tasks.assign,
  }),
  tool({
    name: 'task_list', readOnly: true, description: 'List tasks',
    input: {
      state: optionalText('Only these states, comma-separated (pending,assigned,running,review,…)'), agent: optionalText('Only this agent\'s'),
      tag: optionalText('Only with this tag'), priority: optionalText('Only these priorities, comma-separated'), reviewer: optionalText('Only reviewed by'),
    },
    run: tasks.listTasks,
  }),
  tool({ name: 'task_show', readOnly: true, description: 'One task; history: its timeline from git', input: { id: ID, history: flag('Add its timeline') }, run: tasks.showTask }),
  tool({ name: 'task_current', readOnly: true, description: 'The task an agent is on (running, else oldest assigned)', input: { agent: AGENT }, run: tasks.showCurrentTask }),
  tool({ name: 'task_start', description: 'Start a task: assigned → running', input: { id: ID }, run: tasks.start }),
  tool({
    name: 'task_complete', description: 'Finish a task that has no reviewer (one with a reviewer goes through review)',
    input: { id: ID, result: text('What was done') }, run: tasks.complete,
  }),
  tool({
    name: 'task_edit', description: 'Change an open task\'s title, description, priority, tags or reviewer',
    input: {
      id: ID, title: optionalText('New title'), description: optionalText('New description'), priority: PRIORITY,
      tags: z.array(z.string()).optional().describe('Replace the tags ([] clears)'), reviewer: optionalText('New reviewer ("" removes)'),
    },
    run: tasks.edit,
  }),
  tool({
    name: 'task_reassign', description: 'Hand an open task to another agent (it gets the task, the old assignee is told)',
    input: { id: ID, agent: text('The new assignee') }, run: tasks.reassign,
  }),
  tool({ name: 'task_fail', description: 'Mark an open task failed', input: { id: ID, reason: text('Why it failed') }, run: tasks.fail }),
  tool({ name: 'backlog_list', readOnly: true, description: 'The backlog: pending, unassigned tasks', input: {}, run: (session) => tasks.listBacklog(session) }),
  tool({
    name: 'backlog_add', description: 'Add an unassigned task to the backlog',
    input: { description: DESCRIPTION, title: TITLE, priority: PRIORITY, tags: TAGS }, run: tasks.addBacklogTask,
  }),
  tool({
    name: 'backlog_claim', description: 'Give a backlog task to an agent; of racing claims exactly one wins',
    input: { id: ID, agent: AGENT },
    run: (session, input) => tasks.claimBacklogTask(session, { id: input.id, agent: input.agent ?? session.typedActor() ?? 'conductor' }),
  }),
  tool({
    name: 'review', description: 'Hand your task to its reviewer (task → review; the reviewer gets the commits since you started)',
    input: { id: ID, to: optionalText('Reviewer (default: the task\'s)'), message: optionalText('What to look at'), cc: CC },
    run: tasks.review,
  }),
  tool({
    name: 'approve', description: 'Approve a task in review (its reviewer or the conductor): → completed; a task branch is merged at the reviewed commit',
    input: { id: ID, message: optionalText('Why it is good'), cc: CC }, run: tasks.approve,
  }),
  tool({
    name: 'reject', description: 'Request changes on a task in review: back to its assignee with the reason',
    input: { id: ID, reason: text('The concrete fix needed'), cc: CC }, run: tasks.reject,
  }),
  tool({
    name: 'search', readOnly: true, description: 'Tasks and messages (read too) holding the text, ignoring case',
    input: {
      text: text('What to look for'), tasks: flag('Only tasks'), messages: flag('Only messages'),
      state: optionalText('Only tasks in these states, comma-separated'), agent: optionalText('Only tasks/messages of this agent'),
      limit: z.number().int().min(0).optional().describe('At most this many of each kind (default 50; 0: all)'),
    },
    run: search,
  }),
  tool({
    name: 'reserve', description: 'Reserve paths/globs for yourself; exclusive: others\' commits touching them are refused',
    input: {
      paths: z.array(z.string()).min(1).max(50).describe('Repository paths or globs (*, ?, **)'),
      task: optionalText('Ends with this task'), ttl: optionalText('30m, 2h, 1d'), exclusive: flag('Only you may commit there'),
    },
    run: reservations.reserve,
  }),
  tool({
    name: 'release', description: 'Release your reservations (all, or the paths named)',
    input: { paths: z.array(z.string()).max(50).optional().describe('As reserved (default: all yours)') }, run: reservations.release,
  }),
  tool({ name: 'reservations', readOnly: true, description: 'Who holds which paths, until when', input: {}, run: (session) => reservations.listAllReservations(session) }),
  tool({
    name: 'history', readOnly: true, description: 'Town events from git, newest first',
    input: { n: z.number().optional().describe(`How many (default ${town.DEFAULT_HISTORY_EVENTS})`), agent: optionalText('Only by this agent'), task: optionalText('Only about this task') },
    run: town.history,
  }),
  tool({
    name: 'summary', readOnly: true,
    description: 'The coordination in a commit range (default: since the merge-base with the default branch), for a PR',
    input: { range: optionalText('A git range such as main..HEAD') }, run: town.summary,
  }),
];

/** One call: validated input in, the operation's JSON document (or a tool error) out; never throws. A new session per call: the town is read afresh. */
export async function callTool(spec: ToolSpec, input: Record<string, unknown>, options: McpServerOptions) {
  let result;
  try {
    result = toolResult(await spec.run(new Session(options), input as never));
  } catch (error) {
    result = toolError(error, options.log ?? ((line) => void process.stderr.write(line)));
  }
  // Inside an agent's round, the loop counts this call (agents/round-ledger.ts).
  recordRoundCall(options.env, { via: 'mcp', call: spec.name, ok: result.isError !== true });
  return result;
}

export function registerTools(server: McpServer, options: McpServerOptions): void {
  for (const spec of TOOLS) {
    server.registerTool(spec.name, {
      description: spec.description,
      inputSchema: z.strictObject(spec.input),
      ...(spec.readOnly ? { annotations: { readOnlyHint: true } } : {}),
    }, (input: Record<string, unknown>) => callTool(spec, input, options));
  }
}
