import type { CommandDefinition } from '../command.js';
import { requiredString, stringList } from '../command.js';
import { rejectTask } from '../../app/review.js';
import { TASK_ID_ARG, taskOutput } from './task.js';
import { CC_OPTION } from './review.js';

export const rejectCommand: CommandDefinition = {
  path: ['reject'],
  describe: 'Request changes on a task in review (its reviewer or the conductor only): task → assigned, the reason in the assignee\'s inbox',
  positionals: [TASK_ID_ARG],
  options: { reason: { type: 'string', required: true, describe: 'The concrete fix needed' }, cc: CC_OPTION },
  examples: [['tt reject t-7k2 --as reviewer --reason "Password hashing uses a weak algorithm" --cc conductor', 'route a fix back']],
  async run(args, cli) {
    const result = await rejectTask(cli.op(), requiredString(args.id), { reason: requiredString(args.reason), cc: stringList(args.cc) });
    return taskOutput(result, `Changes requested, back to ${result.task.assignee}:`);
  },
};
