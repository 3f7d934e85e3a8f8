import type { CommandDefinition } from '../command.js';
import { commitNotes, optionalString, requiredString, stringList } from '../command.js';
import { assignTask } from '../../app/tasks.js';
import { PRIORITIES } from '../../core/types.js';
import { taskJson } from '../../app/json.js';

export const assignCommand: CommandDefinition = {
  path: ['assign'],
  describe: 'Create a task for an agent and put a task_assign message in its inbox (one commit)',
  positionals: [
    { name: 'agent', describe: 'Who does it' },
    { name: 'description', describe: 'What to do (the first line becomes the title)' },
  ],
  options: {
    title: { type: 'string', describe: 'Short title (default: first line of the description)' },
    priority: { type: 'string', choices: PRIORITIES, describe: 'default: normal' },
    tags: { type: 'string', array: true, describe: 'Tags (comma-separated or repeated)' },
    reviewer: { type: 'string', describe: 'Who reviews it (then `tt review` hands it off and `tt approve` completes it)' },
  },
  examples: [['tt assign backend "Build the API" --reviewer reviewer', 'work with a quality gate']],
  async run(args, cli) {
    const ctx = cli.op();
    const { task, commit } = await assignTask(ctx, requiredString(args.agent), {
      description: requiredString(args.description), title: optionalString(args.title), priority: optionalString(args.priority),
      tags: stringList(args.tags), reviewer: optionalString(args.reviewer),
    });
    return { kind: 'task', payload: { task: taskJson(task) }, text: `Assigned ${task.id} to ${task.assignee}: ${task.title}`, notes: commitNotes(commit) };
  },
};
