/** The small agent lifecycle commands: each one makes one call into src/agents/operations.ts and says what happened. */
import type { CommandDefinition } from '../command.js';
import { defineCommand, fromAnswer } from '../command.js';
import * as agents from '../../agents/operations.js';
import type { AgentControl } from '../../store/runtime.js';
import { landedLine } from './reclaim.js';

const AGENT_ARG = { name: 'agent', describe: 'Agent name or nickname' } as const;

function controlCommand(word: string, control: AgentControl, describe: string, verb: string): CommandDefinition {
  return defineCommand({
    path: [word],
    describe,
    positionals: [AGENT_ARG],
    async run(args, cli) {
      const answer = await agents.control(cli.session, { agent: args.agent, control });
      return fromAnswer(answer, `${answer.data.agent}: ${verb}`);
    },
  });
}

export const agentControlCommands: CommandDefinition[] = [
  defineCommand({
    path: ['kill'],
    describe: 'Stop an agent\'s loop now (SIGTERM to the loop and its CLI; SIGKILL after 5 s)',
    positionals: [AGENT_ARG],
    async run(args, cli) {
      const answer = await agents.kill(cli.session, args);
      const { agent, killed } = answer.data;
      return fromAnswer(answer, killed ? `${agent}: killed` : `${agent} was not running`);
    },
  }),
  defineCommand({
    path: ['stop'],
    describe: 'Stop every running agent loop',
    async run(_args, cli) {
      const answer = await agents.stopEvery(cli.session);
      return fromAnswer(answer, answer.data.length ? `stopped ${answer.data.join(', ')}` : 'no agent was running');
    },
  }),
  controlCommand('interrupt', 'pause', 'Pause an agent after its current round (tt resume continues it)', 'will pause after this round'),
  controlCommand('resume', 'resume', 'Resume a paused agent', 'resumed'),
  controlCommand('close', 'close', 'Let an agent finish its round, then stop', 'will stop after this round'),
  defineCommand({
    path: ['wait'],
    describe: 'Wait until agents are idle with an empty inbox, or stopped (exit 3 on timeout)',
    positionals: [{ name: 'agents', describe: 'Which agents (default: every running one)', required: false }],
    options: { timeout: { type: 'number', default: 300, describe: 'Seconds to wait' } },
    async run(args, cli) {
      const answer = await agents.waitUntilSettled(cli.session, { agents: args.agents === undefined ? undefined : [args.agents], timeoutS: args.timeout });
      return fromAnswer(answer, answer.data.length ? `settled: ${answer.data.join(', ')}` : 'no agent was running');
    },
  }),
  defineCommand({
    path: ['restart'],
    describe: 'Start an agent\'s loop again (killing it first if it runs)',
    positionals: [AGENT_ARG],
    options: { rounds: { type: 'number', describe: 'Max rounds for this run (default: town.yml agent.max_rounds)' } },
    async run(args, cli) {
      const answer = await agents.restart(cli.session, args);
      return fromAnswer(answer, `${answer.data.agent}: started (pid ${answer.data.pid})`);
    },
  }),
  defineCommand({
    path: ['prune'],
    describe: 'Remove a stopped agent\'s registration (one commit); --all: every stopped agent. Inboxes are kept',
    positionals: [{ name: 'agent', describe: 'The agent to prune', required: false }],
    options: {
      all: { type: 'boolean', describe: 'Prune every agent that is not running (never the conductor)' },
      force: { type: 'boolean', describe: 'Prune also an agent that still holds open tasks or unread mail (tt reclaim --from NAME still finds them)' },
    },
    async run(args, cli) {
      const answer = await agents.prune(cli.session, args);
      return fromAnswer(answer, answer.data.length ? `pruned ${answer.data.join(', ')} (their inboxes are kept)` : 'nothing to prune');
    },
  }),
  defineCommand({
    path: ['recover'],
    describe: 'Record as stopped the agents whose heartbeat is older than stale_after_s and whose process is gone; close as landed their tasks whose work is already merged',
    async run(_args, cli) {
      const answer = await agents.recover(cli.session);
      const { recovered, landed } = answer.data;
      const lines = [recovered.length ? `recovered ${recovered.join(', ')} (now stopped; tt reclaim moves their work)` : 'nothing to recover'];
      lines.push(...landed.map(landedLine));
      return fromAnswer(answer, lines.join('\n'));
    },
  }),
];
