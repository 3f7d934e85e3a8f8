import type { CommandDefinition, CommandGroup } from '../command.js';
import { defineCommand, fromAnswer } from '../command.js';
import * as tasks from '../../app/operations/tasks.js';
import { PRIORITIES } from '../../core/types.js';
import { renderTaskList } from '../render.js';
import { TASK_ID_ARG, taskOutput } from './task.js';

const AGENT_ARG = { name: 'agent', describe: 'The agent that takes it' } as const;

const subcommands: CommandDefinition[] = [
  defineCommand({
    path: ['backlog', 'add'],
    describe: 'Add an unassigned task to the backlog',
    positionals: [{ name: 'description', describe: 'What to do (the first line becomes the title)' }],
    options: {
      title: { type: 'string', describe: 'Short title (default: first line of the description)' },
      priority: { type: 'string', choices: PRIORITIES, describe: 'default: normal' },
      tags: { type: 'string', array: true, describe: 'Tags (comma-separated or repeated)' },
    },
    run: async (args, cli) => taskOutput(await tasks.addBacklogTask(cli.session, args), 'Added to the backlog:'),
  }),
  defineCommand({
    path: ['backlog', 'list'],
    describe: 'List the backlog (pending, unassigned)',
    async run(_args, cli) {
      const answer = tasks.listBacklog(cli.session);
      return fromAnswer(answer, renderTaskList(answer.data, 'the backlog is empty', cli.runtime.now(), cli.runtime.style));
    },
  }),
  defineCommand({
    path: ['backlog', 'claim'],
    describe: 'Give a backlog task to an agent; of racing claims exactly one wins',
    positionals: [TASK_ID_ARG, AGENT_ARG],
    run: async (args, cli) => taskOutput(await tasks.claimBacklogTask(cli.session, args), 'Claimed'),
  }),
  defineCommand({
    path: ['backlog', 'assign-all'],
    describe: 'Give every backlog task to one agent (one commit)',
    positionals: [AGENT_ARG],
    async run(args, cli) {
      const answer = await tasks.assignWholeBacklog(cli.session, args);
      const assigned = answer.data;
      return fromAnswer(answer, assigned.length ? `Assigned ${assigned.length} backlog task(s) to ${assigned[0]!.assignee}` : 'the backlog is empty');
    },
  }),
  defineCommand({
    path: ['backlog', 'remove'],
    describe: 'Delete a task from the backlog (git keeps its history)',
    positionals: [TASK_ID_ARG],
    run: async (args, cli) => taskOutput(await tasks.removeBacklogTask(cli.session, args), 'Removed from the backlog:'),
  }),
];

export const backlogGroup: CommandGroup = {
  name: 'backlog',
  describe: 'Backlog commands: add, list, claim, assign-all, remove',
  subcommands,
};
