import { defineCommand, fromAnswer } from '../command.js';
import { DEFAULT_HISTORY_EVENTS, history } from '../../app/operations/town.js';
import { renderHistory } from '../render.js';

export const historyCommand = defineCommand({
  path: ['history'],
  describe: 'Town events read from commit trailers: sends, assignments, reviews, approvals, rejections',
  options: {
    n: { type: 'number', default: DEFAULT_HISTORY_EVENTS, describe: 'How many events (newest first)' },
    agent: { type: 'string', describe: 'Only events by this agent' },
    task: { type: 'string', describe: 'Only events about this task' },
  },
  async run(args, cli) {
    const answer = await history(cli.session, args);
    return fromAnswer(answer, renderHistory(answer.data));
  },
});
