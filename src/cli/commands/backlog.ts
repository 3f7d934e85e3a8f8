import type { CommandDefinition, CommandGroup } from '../command.js';
import { commitNotes, optionalString, problemNotes, requiredString, stringList } from '../command.js';
import { addToBacklog, assignBacklog, backlog, claimTask, removeFromBacklog } from '../../app/tasks.js';
import { PRIORITIES } from '../../core/types.js';
import { taskJson } from '../../app/json.js';
import { renderTaskList } from '../render.js';
import { TASK_ID_ARG, taskOutput } from './task.js';

const AGENT_ARG = { name: 'agent', describe: 'The agent that takes it' };

const subcommands: CommandDefinition[] = [
  {
    path: ['backlog', 'add'],
    describe: 'Add an unassigned task to the backlog',
    positionals: [{ name: 'description', describe: 'What to do (the first line becomes the title)' }],
    options: {
      title: { type: 'string', describe: 'Short title (default: first line of the description)' },
      priority: { type: 'string', choices: PRIORITIES, describe: 'default: normal' },
      tags: { type: 'string', array: true, describe: 'Tags (comma-separated or repeated)' },
    },
    async run(args, cli) {
      const result = await addToBacklog(cli.op(), {
        description: requiredString(args.description), title: optionalString(args.title),
        priority: optionalString(args.priority), tags: stringList(args.tags),
      });
      return taskOutput(result, 'Added to the backlog:');
    },
  },
  {
    path: ['backlog', 'list'],
    describe: 'List the backlog (pending, unassigned)',
    async run(_args, cli) {
      const listing = backlog(cli.town());
      return { kind: 'task-list', payload: { tasks: listing.items.map(taskJson) }, text: renderTaskList(listing.items, 'the backlog is empty'), notes: problemNotes(listing.problems) };
    },
  },
  {
    path: ['backlog', 'claim'],
    describe: 'Give a backlog task to an agent; of racing claims exactly one wins',
    positionals: [TASK_ID_ARG, AGENT_ARG],
    run: async (args, cli) => taskOutput(await claimTask(cli.op(), requiredString(args.id), requiredString(args.agent)), 'Claimed'),
  },
  {
    path: ['backlog', 'assign-all'],
    describe: 'Give every backlog task to one agent (one commit)',
    positionals: [AGENT_ARG],
    async run(args, cli) {
      const { tasks, commit } = await assignBacklog(cli.op(), requiredString(args.agent));
      const text = tasks.length ? `Assigned ${tasks.length} backlog task(s) to ${tasks[0]!.assignee}` : 'the backlog is empty';
      return { kind: 'task-list', payload: { tasks: tasks.map(taskJson) }, text, notes: commitNotes(commit) };
    },
  },
  {
    path: ['backlog', 'remove'],
    describe: 'Delete a task from the backlog (git keeps its history)',
    positionals: [TASK_ID_ARG],
    run: async (args, cli) => taskOutput(await removeFromBacklog(cli.op(), requiredString(args.id)), 'Removed from the backlog:'),
  },
];

export const backlogGroup: CommandGroup = {
  name: 'backlog',
  describe: 'Backlog commands: add, list, claim, assign-all, remove',
  subcommands,
};
