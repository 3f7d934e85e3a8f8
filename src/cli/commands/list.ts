import { defineCommand, fromAnswer } from '../command.js';
import { listTownAgents } from '../../app/operations/town.js';
import { renderAgents } from '../render.js';

export const listCommand = defineCommand({
  path: ['list'],
  describe: 'List the town\'s agents',
  async run(_args, cli) {
    const answer = listTownAgents(cli.session);
    return fromAnswer(answer, renderAgents(answer.data));
  },
});
