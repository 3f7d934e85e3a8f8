/**
 * Prompts: the conductor's startup context (what `tt conductor` hands its CLI)
 * and an agent's role hint (the body of agents/<name>.md, edited by the team).
 */
import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { conductorContext } from '../agents/conductor-context.js';
import { NotFoundError, TinytownError } from '../errors.js';
import { resolveAgent } from '../app/agents.js';
import { townStatus } from '../app/status.js';
import { listAgents } from '../store/reader.js';
import { Session } from '../app/session.js';
import { requestError, type McpServerOptions } from './invoke.js';

function userPrompt(description: string, text: string) {
  return { description, messages: [{ role: 'user' as const, content: { type: 'text' as const, text } }] };
}

function guarded<T>(produce: () => T): T {
  try {
    return produce();
  } catch (error) {
    if (error instanceof TinytownError) throw requestError(error);
    throw error;
  }
}

/** The role hint for an agent: who it is, in which town, and its instructions. */
export function roleHint(options: McpServerOptions, agentInput: string | undefined): string {
  const session = new Session(options);
  const town = session.town();
  const name = agentInput ? resolveAgent(town, agentInput) : session.op().actor;
  const agent = listAgents(town.root).items.find((item) => item.name === name);
  if (!agent) throw new NotFoundError(`agent "${name}" has no readable file (tt doctor)`);
  return `You are ${agent.name} (${agent.role}) in the Tinytown town "${town.config.name}". Coordinate through the tinytown tools: your inbox, your tasks, review.\n\n${agent.body.trim()}\n`;
}

export function registerPrompts(server: McpServer, options: McpServerOptions): void {
  server.registerPrompt('conductor', {
    description: 'The conductor\'s startup context: the town, its agents and open tasks, the report-back loop',
  }, () => guarded(() => userPrompt('Tinytown conductor context', conductorContext(townStatus(new Session(options).town())))));

  server.registerPrompt('agent_role', {
    description: 'An agent\'s role instructions (its agents/<name>.md)',
    argsSchema: { agent: z.string().optional().describe('Agent name (default: the acting agent)') },
  }, ({ agent }) => guarded(() => userPrompt(`Role of ${agent ?? 'the acting agent'}`, roleHint(options, agent))));
}
