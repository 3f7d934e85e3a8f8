import { defineCommand } from '../command.js';
import { resolveAgent } from '../../app/agents.js';
import { runAgentLoop } from '../../agents/loop.js';

export const loopCommand = defineCommand({
  path: ['loop'],
  describe: 'Plumbing: run an agent\'s loop in this process (what tt spawn starts in the background)',
  positionals: [{ name: 'agent', describe: 'The agent' }],
  options: { 'max-rounds': { type: 'number', describe: 'Stop after this many rounds' } },
  async run(args, cli) {
    const town = cli.town();
    const name = resolveAgent(town, args.agent);
    const reason = await runAgentLoop({ root: town.root, name, env: cli.runtime.env, maxRounds: args.maxRounds });
    return { kind: 'agent-control', payload: { agent: name, stopped: reason }, text: `${name} stopped: ${reason}` };
  },
});
