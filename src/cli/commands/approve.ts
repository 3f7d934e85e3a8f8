import { defineCommand } from '../command.js';
import { approve } from '../../app/operations/tasks.js';
import { TASK_ID_ARG, taskOutput } from './task.js';
import { CC_OPTION } from './review.js';

export const approveCommand = defineCommand({
  path: ['approve'],
  describe: 'Approve a task in review (its reviewer or the conductor only): task → completed, pinned to the reviewed code commit; an approved message to the assignee',
  positionals: [TASK_ID_ARG],
  options: { message: { type: 'string', describe: 'Why it is good' }, cc: CC_OPTION },
  examples: [['tt approve t-7k2 --as reviewer --message "LGTM, API is solid"', 'approve as the reviewer']],
  async run(args, cli) {
    const answer = await approve(cli.session, args);
    const pinned = answer.data.reviewed_commit ? ` at ${answer.data.reviewed_commit.slice(0, 12)}` : '';
    return taskOutput(answer, `Approved${pinned}:`);
  },
});
