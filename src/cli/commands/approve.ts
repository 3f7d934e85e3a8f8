import type { CommandDefinition } from '../command.js';
import { optionalString, requiredString, stringList } from '../command.js';
import { approveTask } from '../../app/review.js';
import { TASK_ID_ARG, taskOutput } from './task.js';
import { CC_OPTION } from './review.js';

export const approveCommand: CommandDefinition = {
  path: ['approve'],
  describe: 'Approve a task in review (its reviewer or the conductor only): task → completed, pinned to the reviewed code commit; an approved message to the assignee',
  positionals: [TASK_ID_ARG],
  options: { message: { type: 'string', describe: 'Why it is good' }, cc: CC_OPTION },
  examples: [['tt approve t-7k2 --as reviewer --message "LGTM, API is solid"', 'approve as the reviewer']],
  async run(args, cli) {
    const result = await approveTask(cli.op(), requiredString(args.id), { message: optionalString(args.message), cc: stringList(args.cc) });
    const pinned = result.task.reviewed_commit ? ` at ${result.task.reviewed_commit.slice(0, 12)}` : '';
    return taskOutput(result, `Approved${pinned}:`);
  },
};
