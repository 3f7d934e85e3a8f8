import type { CommandDefinition } from '../command.js';
import { optionalString, requiredString } from '../command.js';
import { spawnAgent } from '../../app/agents.js';
import { agentJson } from '../../app/json.js';
import { runAgentLoop } from '../../agents/loop.js';
import { startAgent } from '../../agents/lifecycle.js';
import { agentCommand, requireInstalled } from '../../agents/cli-command.js';

export const spawnCommand: CommandDefinition = {
  path: ['spawn'],
  describe: 'Register an agent (agents/<name>.md from templates/roles/<role>.md) and start its loop in the background',
  positionals: [{ name: 'name', describe: 'Agent name: a-z, 0-9, "-", starting with a letter, at most 32' }],
  options: {
    role: { type: 'string', describe: 'conductor | worker | reviewer | researcher | tester | any word (default: worker; reviewer for an agent named reviewer)' },
    cli: { type: 'string', describe: 'Agent CLI preset or town.yml clis entry (default: town.yml default_cli)' },
    nickname: { type: 'string', describe: 'Another name the agent answers to' },
    parent: { type: 'string', describe: 'The agent it reports to (default: the acting agent)' },
    start: { type: 'boolean', default: true, describe: 'Start its loop (--no-start: register only)' },
    foreground: { type: 'boolean', describe: 'Run the loop in this terminal instead of the background' },
    'max-rounds': { type: 'number', describe: 'Stop after this many rounds (default: town.yml agent.max_rounds)' },
  },
  examples: [['tt spawn backend', 'a worker'], ['tt spawn reviewer', 'the quality gate (role reviewer)']],
  async run(args, cli) {
    const ctx = cli.op();
    const start = args.start !== false;
    const maxRounds = args.maxRounds === undefined ? undefined : Number(args.maxRounds);
    const agent = await spawnAgent(ctx, {
      name: requiredString(args.name), role: optionalString(args.role), cli: optionalString(args.cli),
      nickname: optionalString(args.nickname), parent: optionalString(args.parent),
    }, (agent) => {
      // An agent that will be started must have an installed CLI: refuse before anything is written.
      if (start) requireInstalled(agentCommand(ctx.town.config, agent.cli), agent.cli, cli.runtime.env);
    });
    if (start && args.foreground) {
      const reason = await runAgentLoop({ root: ctx.town.root, name: agent.name, env: cli.runtime.env, maxRounds });
      return { kind: 'agent', payload: { agent: agentJson(agent), stopped: reason }, text: `${agent.name} stopped: ${reason}` };
    }
    const pid = start ? await startAgent(ctx.town, agent.name, { maxRounds, env: cli.runtime.env }) : null;
    return {
      kind: 'agent', payload: { agent: agentJson(agent), pid },
      text: `Spawned ${agent.name} (${agent.role}, cli ${agent.cli}); ${pid ? `running in the background (pid ${pid}; tt status --deep)` : 'registered, not started'}`,
    };
  },
};
