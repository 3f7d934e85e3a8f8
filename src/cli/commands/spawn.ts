import type { CommandDefinition } from '../command.js';
import { optionalString, requiredString } from '../command.js';
import { spawnAgent } from '../../ops/agents.js';
import { agentJson } from '../json.js';

export const spawnCommand: CommandDefinition = {
  path: ['spawn'],
  describe: 'Register an agent (agents/<name>.md from templates/roles/<role>.md). Starting agent loops is not built yet: every spawn is --no-start for now',
  positionals: [{ name: 'name', describe: 'Agent name: a-z, 0-9, "-", starting with a letter, at most 32' }],
  options: {
    role: { type: 'string', describe: 'conductor | worker | reviewer | researcher | tester | any word (default: worker; reviewer for an agent named reviewer)' },
    cli: { type: 'string', describe: 'Agent CLI preset or town.yml clis entry (default: town.yml default_cli)' },
    nickname: { type: 'string', describe: 'Another name the agent answers to' },
    parent: { type: 'string', describe: 'The agent it reports to (default: the acting agent)' },
    start: { type: 'boolean', describe: 'Start its loop (not built yet; --no-start registers only, which is what happens now)' },
  },
  examples: [['tt spawn backend', 'a worker'], ['tt spawn reviewer', 'the quality gate (role reviewer)']],
  async run(args, cli) {
    const agent = await spawnAgent(cli.op(), {
      name: requiredString(args.name), role: optionalString(args.role), cli: optionalString(args.cli),
      nickname: optionalString(args.nickname), parent: optionalString(args.parent),
    });
    return {
      kind: 'agent', payload: { agent: agentJson(agent) },
      text: `Spawned ${agent.name} (${agent.role}, cli ${agent.cli}); registered, not started`,
    };
  },
};
