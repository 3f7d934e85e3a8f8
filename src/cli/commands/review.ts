import { defineCommand } from '../command.js';
import { review } from '../../app/operations/tasks.js';
import { TASK_ID_ARG, taskOutput } from './task.js';

export const CC_OPTION = { type: 'string', array: true, describe: 'Copy the message to another agent (repeatable)' } as const;

export const reviewCommand = defineCommand({
  path: ['review'],
  describe: 'Hand a task to its reviewer: task → review, and a review_request (with the code commits and diffstat since the task started) in the reviewer\'s inbox',
  positionals: [TASK_ID_ARG],
  options: {
    to: { type: 'string', describe: 'The reviewer (default: the task\'s reviewer, else the town\'s only reviewer-role agent)' },
    message: { type: 'string', describe: 'What to look at' },
    cc: CC_OPTION,
  },
  examples: [['tt review t-7k2 --message "API ready in src/api.ts"', 'hand off for review']],
  async run(args, cli) {
    const answer = await review(cli.session, args);
    return taskOutput(answer, `Handed to ${answer.data.reviewer} for review:`);
  },
});
