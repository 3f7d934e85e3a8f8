import { defineCommand, fromAnswer } from '../command.js';
import { assign } from '../../app/operations/tasks.js';
import { PRIORITIES } from '../../core/types.js';

export const assignCommand = defineCommand({
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
    const answer = await assign(cli.session, args);
    return fromAnswer(answer, `Assigned ${answer.data.id} to ${answer.data.assignee}: ${answer.data.title}`);
  },
});
