import type { CommandDefinition, CommandGroup, CommandOutput, PositionalSpec } from '../command.js';
import { defineCommand, fromAnswer, problemNotes } from '../command.js';
import { viewAllTasks } from '../../app/tasks.js';
import { hasRefusedTaskEdits } from '../../app/refused-edits.js';
import * as tasks from '../../app/operations/tasks.js';
import { PRIORITIES, TASK_STATES } from '../../core/types.js';
import { taskEditCommand, taskReassignCommand } from './task-edit.js';
import { envelopeWithRawJson, indentedJson, rawJsonSlot, taskJson } from '../../app/json.js';
import { renderHistory, renderTask, renderTaskList } from '../render.js';

export function taskOutput(answer: tasks.TaskAnswer, verb: string): CommandOutput {
  const task = answer.data;
  return fromAnswer(answer, `${verb} ${task.id} (${task.state}): ${task.title}`);
}

export const TASK_ID_ARG = { name: 'id', describe: 'Task id or a unique prefix (3+ characters after t-)' } as const satisfies PositionalSpec;

const subcommands: CommandDefinition[] = [
  defineCommand({
    path: ['task', 'list'],
    describe: 'List tasks (urgent first, then oldest)',
    options: {
      state: { type: 'string', describe: `Only these states (comma-separated: ${TASK_STATES.join(', ')})` },
      agent: { type: 'string', describe: 'Only tasks assigned to (or in review with) this agent' },
      tag: { type: 'string', describe: 'Only tasks with this tag (comma-separated: any of them)' },
      priority: { type: 'string', describe: `Only these priorities (comma-separated: ${PRIORITIES.join(', ')})` },
      reviewer: { type: 'string', describe: 'Only tasks this agent reviews' },
    },
    examples: [['tt task list --state assigned,running --tag api --priority high,urgent', 'filters combine']],
    async run(args, cli) {
      const filter = { state: args.state, agent: args.agent, tag: args.tag, priority: args.priority, reviewer: args.reviewer };
      if (args.json && !tasks.isFiltered(filter) && !hasRefusedTaskEdits(cli.town())) {
        // tasks sits 1 level deep in the envelope; the array comes from a view cached with the tasks
        const view = viewAllTasks(cli.town(), { id: 'tasks-json-v1-depth-1', render: (list) => indentedJson(list.map(taskJson), 1) });
        return {
          kind: 'task-list',
          json: envelopeWithRawJson('task-list', { tasks: rawJsonSlot(0) }, [view.bytes]),
          get payload() {
            return tasks.listTasks(cli.session, {}).payload;
          },
          text: '',
          notes: problemNotes(view.problems),
        };
      }
      const answer = tasks.listTasks(cli.session, filter);
      return fromAnswer(answer, args.json ? '' : renderTaskList(answer.data, 'no tasks', cli.runtime.now(), cli.runtime.style));
    },
  }),
  defineCommand({
    path: ['task', 'show'],
    describe: 'Show one task; --history adds its timeline from git',
    positionals: [TASK_ID_ARG],
    options: { history: { type: 'boolean', describe: 'Also the task\'s timeline: every commit about it, with trailers' } },
    async run(args, cli) {
      const answer = await tasks.showTask(cli.session, { id: args.id, history: args.history });
      const { task, history } = answer.data;
      return fromAnswer(answer, history ? `${renderTask(task)}\n\nTimeline:\n${renderHistory(history)}` : renderTask(task));
    },
  }),
  defineCommand({
    path: ['task', 'current'],
    describe: 'The task an agent is on (its running task, else its oldest assigned one)',
    positionals: [{ name: 'agent', describe: 'default: the acting agent', required: false }],
    async run(args, cli) {
      const answer = tasks.showCurrentTask(cli.session, { agent: args.agent });
      return fromAnswer(answer, renderTask(answer.data));
    },
  }),
  defineCommand({
    path: ['task', 'start'],
    describe: 'assigned → running',
    positionals: [TASK_ID_ARG],
    run: async (args, cli) => taskOutput(await tasks.start(cli.session, args), 'Started'),
  }),
  defineCommand({
    path: ['task', 'complete'],
    describe: 'Finish a task that has no reviewer (one with a reviewer goes through `tt review`)',
    positionals: [TASK_ID_ARG],
    options: { result: { type: 'string', required: true, describe: 'What was done' } },
    run: async (args, cli) => taskOutput(await tasks.complete(cli.session, args), 'Completed'),
  }),
  defineCommand({
    path: ['task', 'fail'],
    describe: 'Mark an open task failed',
    positionals: [TASK_ID_ARG],
    options: { reason: { type: 'string', required: true, describe: 'Why it failed' } },
    run: async (args, cli) => taskOutput(await tasks.fail(cli.session, args), 'Failed'),
  }),
  defineCommand({
    path: ['task', 'cancel'],
    describe: 'Cancel an open task',
    positionals: [TASK_ID_ARG],
    run: async (args, cli) => taskOutput(await tasks.cancel(cli.session, args), 'Cancelled'),
  }),
  defineCommand({
    path: ['task', 'requeue'],
    describe: 'Put a failed or cancelled task back in the backlog (pending, unassigned)',
    positionals: [TASK_ID_ARG],
    run: async (args, cli) => taskOutput(await tasks.requeue(cli.session, args), 'Requeued'),
  }),
  taskEditCommand,
  taskReassignCommand,
];

export const taskGroup: CommandGroup = {
  name: 'task',
  describe: 'Task commands: list, show, current, start, complete, fail, cancel, requeue, edit, reassign',
  subcommands,
};
