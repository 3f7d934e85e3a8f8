import { defineCommand } from '../command.js';
import { reject } from '../../app/operations/tasks.js';
import { TASK_ID_ARG, taskOutput } from './task.js';
import { CC_OPTION } from './review.js';

export const rejectCommand = defineCommand({
  path: ['reject'],
  describe: 'Request changes on a task in review (its reviewer or the conductor only): task → assigned, the reason in the assignee\'s inbox',
  positionals: [TASK_ID_ARG],
  options: { reason: { type: 'string', required: true, describe: 'The concrete fix needed' }, cc: CC_OPTION },
  examples: [['tt reject t-7k2 --as reviewer --reason "Password hashing uses a weak algorithm" --cc conductor', 'route a fix back']],
  async run(args, cli) {
    const answer = await reject(cli.session, args);
    return taskOutput(answer, `Changes requested, back to ${answer.data.assignee}:`);
  },
});
