/** The small agent lifecycle commands: each one resolves names and makes one call into app/lifecycle. */
import { UsageError } from '../../errors.js';
import type { CliContext, CommandDefinition, CommandOutput } from '../command.js';
import { optionalString, requiredString, stringList } from '../command.js';
import { resolveAgent } from '../../app/agents.js';
import { killAgent, pruneAgents, recoverAgents, requireRunning, runningAgents, startAgent, stopAll, waitForAgents } from '../../agents/lifecycle.js';
import { writeControl, readAgentRuntime, type AgentControl } from '../../store/runtime.js';
import { agentNames } from '../../app/agents.js';
import { CONDUCTOR } from '../../core/types.js';

const AGENT_ARG = { name: 'agent', describe: 'Agent name or nickname' };

function done(kind: string, payload: Record<string, unknown>, text: string): CommandOutput {
  return { kind, payload, text };
}

function controlCommand(word: string, control: AgentControl, describe: string, verb: string): CommandDefinition {
  return {
    path: [word],
    describe,
    positionals: [AGENT_ARG],
    async run(args, cli) {
      const town = cli.town();
      const name = resolveAgent(town, requiredString(args.agent));
      requireRunning(town, name);
      await writeControl(town.root, name, control);
      return done('agent-control', { agent: name, control }, `${name}: ${verb}`);
    },
  };
}

function names(cli: CliContext, value: unknown): string[] {
  const town = cli.town();
  return stringList(value).map((name) => resolveAgent(town, name));
}

export const agentControlCommands: CommandDefinition[] = [
  {
    path: ['kill'],
    describe: 'Stop an agent\'s loop now (SIGTERM to the loop and its CLI; SIGKILL after 5 s)',
    positionals: [AGENT_ARG],
    async run(args, cli) {
      const town = cli.town();
      const name = resolveAgent(town, requiredString(args.agent));
      const killed = await killAgent(town, name);
      return done('agent-control', { agent: name, killed }, killed ? `${name}: killed` : `${name} was not running`);
    },
  },
  {
    path: ['stop'],
    describe: 'Stop every running agent loop',
    async run(_args, cli) {
      const stopped = await stopAll(cli.town());
      return done('agent-control', { stopped }, stopped.length ? `stopped ${stopped.join(', ')}` : 'no agent was running');
    },
  },
  controlCommand('interrupt', 'pause', 'Pause an agent after its current round (tt resume continues it)', 'will pause after this round'),
  controlCommand('resume', 'resume', 'Resume a paused agent', 'resumed'),
  controlCommand('close', 'close', 'Let an agent finish its round, then stop', 'will stop after this round'),
  {
    path: ['wait'],
    describe: 'Wait until agents are idle with an empty inbox, or stopped (exit 3 on timeout)',
    positionals: [{ name: 'agents', describe: 'Which agents (default: every running one)', required: false }],
    options: { timeout: { type: 'number', default: 300, describe: 'Seconds to wait' } },
    async run(args, cli) {
      const town = cli.town();
      const wanted = args.agents ? names(cli, args.agents) : runningAgents(town);
      const timeout = Number(args.timeout);
      if (!Number.isFinite(timeout) || timeout < 0) throw new UsageError('--timeout must be a number of seconds');
      await waitForAgents(town, wanted, timeout * 1000);
      return done('agent-control', { agents: wanted }, wanted.length ? `settled: ${wanted.join(', ')}` : 'no agent was running');
    },
  },
  {
    path: ['restart'],
    describe: 'Start an agent\'s loop again (killing it first if it runs)',
    positionals: [AGENT_ARG],
    options: { rounds: { type: 'number', describe: 'Max rounds for this run (default: town.yml agent.max_rounds)' } },
    async run(args, cli) {
      const town = cli.town();
      const name = resolveAgent(town, requiredString(args.agent));
      const pid = await startAgent(town, name, { maxRounds: args.rounds === undefined ? undefined : Number(args.rounds), env: cli.runtime.env });
      return done('agent-control', { agent: name, pid }, `${name}: started (pid ${pid})`);
    },
  },
  {
    path: ['prune'],
    describe: 'Remove a stopped agent\'s registration (one commit); --all: every stopped agent. Inboxes are kept',
    positionals: [{ name: 'agent', describe: 'The agent to prune', required: false }],
    options: { all: { type: 'boolean', describe: 'Prune every agent that is not running (never the conductor)' } },
    async run(args, cli) {
      const ctx = cli.op();
      const agentInput = optionalString(args.agent);
      if (!agentInput && !args.all) throw new UsageError('name an agent to prune, or pass --all');
      const targets = args.all
        ? agentNames(ctx.town).filter((name) => name !== CONDUCTOR && !readAgentRuntime(ctx.town.root, name).alive)
        : [resolveAgent(ctx.town, agentInput!)];
      const pruned = await pruneAgents(ctx, targets);
      return { kind: 'agent-control', payload: { pruned }, text: pruned.length ? `pruned ${pruned.join(', ')} (their inboxes are kept)` : 'nothing to prune' };
    },
  },
  {
    path: ['recover'],
    describe: 'Record as stopped the agents whose heartbeat is older than stale_after_s and whose process is gone',
    async run(_args, cli) {
      const recovered = await recoverAgents(cli.town());
      return done('agent-control', { recovered }, recovered.length ? `recovered ${recovered.join(', ')} (now stopped; tt reclaim moves their work)` : 'nothing to recover');
    },
  },
];

