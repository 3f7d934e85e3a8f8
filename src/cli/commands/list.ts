import type { CommandDefinition } from '../command.js';
import { problemNotes } from '../command.js';
import { listAgents } from '../../store/reader.js';
import { agentJson } from '../../app/json.js';
import { renderAgents } from '../render.js';

export const listCommand: CommandDefinition = {
  path: ['list'],
  describe: 'List the town\'s agents',
  async run(_args, cli) {
    const { items, problems } = listAgents(cli.town().root);
    return { kind: 'agent-list', payload: { agents: items.map(agentJson) }, text: renderAgents(items), notes: problemNotes(problems) };
  },
};
