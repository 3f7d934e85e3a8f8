import { NotFoundError } from '../../errors.js';
import type { CommandDefinition, CommandGroup, CommandOutput, PositionalSpec } from '../command.js';
import { commitNotes, optionalString, problemNotes, requiredString } from '../command.js';
import { cancelTask, completeTask, currentTask, failTask, findTasks, requeueTask, startTask, viewAllTasks, type TaskResult } from '../../app/tasks.js';
import { resolveAgent } from '../../app/agents.js';
import { readTask, resolveTaskId } from '../../store/reader.js';
import { TASK_STATES } from '../../core/types.js';
import { envelopeWithRawJson, eventJson, indentedJson, rawJsonSlot, taskJson } from '../../app/json.js';
import { readTownLog } from '../../git/log.js';
import { renderHistory, renderTask, renderTaskList } from '../render.js';

export function taskOutput({ task, commit }: TaskResult, verb: string): CommandOutput {
  return { kind: 'task', payload: { task: taskJson(task) }, text: `${verb} ${task.id} (${task.state}): ${task.title}`, notes: commitNotes(commit) };
}

export const TASK_ID_ARG: PositionalSpec = { name: 'id', describe: 'Task id or a unique prefix (3+ characters after t-)' };

const subcommands: CommandDefinition[] = [
  {
    path: ['task', 'list'],
    describe: 'List tasks (urgent first, then oldest)',
    options: {
      state: { type: 'string', describe: `Only these states (comma-separated: ${TASK_STATES.join(', ')})` },
      agent: { type: 'string', describe: 'Only tasks assigned to (or in review with) this agent' },
    },
    async run(args, cli) {
      const filter = { state: optionalString(args.state), agent: optionalString(args.agent) };
      if (args.json && filter.state === undefined && filter.agent === undefined) {
        // tasks sits 1 level deep in the envelope; the array comes from a view cached with the tasks
        const view = viewAllTasks(cli.town(), { id: 'tasks-json-v1-depth-1', render: (tasks) => indentedJson(tasks.map(taskJson), 1) });
        return {
          kind: 'task-list',
          json: envelopeWithRawJson('task-list', { tasks: rawJsonSlot(0) }, [view.bytes]),
          get payload() {
            return { tasks: findTasks(cli.town(), filter).items.map(taskJson) };
          },
          text: '',
          notes: problemNotes(view.problems),
        };
      }
      const listing = findTasks(cli.town(), filter);
      const text = args.json ? '' : renderTaskList(listing.items, 'no tasks');
      return { kind: 'task-list', payload: { tasks: listing.items.map(taskJson) }, text, notes: problemNotes(listing.problems) };
    },
  },
  {
    path: ['task', 'show'],
    describe: 'Show one task; --history adds its timeline from git',
    positionals: [TASK_ID_ARG],
    options: { history: { type: 'boolean', describe: 'Also the task\'s timeline: every commit about it, with trailers' } },
    async run(args, cli) {
      const town = cli.town();
      const task = readTask(town.root, resolveTaskId(town.root, requiredString(args.id)));
      if (!args.history) return { kind: 'task', payload: { task: taskJson(task) }, text: renderTask(task) };
      const events = await readTownLog({ root: town.root, task: task.id, reverse: true });
      return {
        kind: 'task', payload: { task: taskJson(task), history: events.map(eventJson) },
        text: `${renderTask(task)}

Timeline:
${renderHistory(events)}`,
      };
    },
  },
  {
    path: ['task', 'current'],
    describe: 'The task an agent is on (its running task, else its oldest assigned one)',
    positionals: [{ name: 'agent', describe: 'default: the acting agent', required: false }],
    async run(args, cli) {
      const ctx = cli.op();
      const agentInput = optionalString(args.agent);
      const agent = agentInput ? resolveAgent(ctx.town, agentInput) : ctx.actor;
      const task = currentTask(ctx.town, agent);
      if (!task) throw new NotFoundError(`${agent} has no assigned or running task (tt task list --agent ${agent})`);
      return { kind: 'task', payload: { task: taskJson(task) }, text: renderTask(task) };
    },
  },
  {
    path: ['task', 'start'],
    describe: 'assigned → running',
    positionals: [TASK_ID_ARG],
    run: async (args, cli) => taskOutput(await startTask(cli.op(), requiredString(args.id)), 'Started'),
  },
  {
    path: ['task', 'complete'],
    describe: 'Finish a task that has no reviewer (one with a reviewer goes through `tt review`)',
    positionals: [TASK_ID_ARG],
    options: { result: { type: 'string', required: true, describe: 'What was done' } },
    run: async (args, cli) => taskOutput(await completeTask(cli.op(), requiredString(args.id), requiredString(args.result)), 'Completed'),
  },
  {
    path: ['task', 'fail'],
    describe: 'Mark an open task failed',
    positionals: [TASK_ID_ARG],
    options: { reason: { type: 'string', required: true, describe: 'Why it failed' } },
    run: async (args, cli) => taskOutput(await failTask(cli.op(), requiredString(args.id), requiredString(args.reason)), 'Failed'),
  },
  {
    path: ['task', 'cancel'],
    describe: 'Cancel an open task',
    positionals: [TASK_ID_ARG],
    run: async (args, cli) => taskOutput(await cancelTask(cli.op(), requiredString(args.id)), 'Cancelled'),
  },
  {
    path: ['task', 'requeue'],
    describe: 'Put a failed or cancelled task back in the backlog (pending, unassigned)',
    positionals: [TASK_ID_ARG],
    run: async (args, cli) => taskOutput(await requeueTask(cli.op(), requiredString(args.id)), 'Requeued'),
  },
];

export const taskGroup: CommandGroup = {
  name: 'task',
  describe: 'Task commands: list, show, current, start, complete, fail, cancel, requeue',
  subcommands,
};
