/**
 * Resources: the town as documents an MCP client can attach — the same JSON
 * `tt --json` prints (status, list, task show, inbox), plus one agent's file
 * with its live status.
 */
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { NotFoundError, TinytownError } from '../errors.js';
import { showInbox } from '../app/operations/messages.js';
import { showTask } from '../app/operations/tasks.js';
import { listTownAgents, showAgent, status } from '../app/operations/town.js';
import { Session } from '../app/session.js';
import { listAgents } from '../store/reader.js';
import { jsonText, requestError, RESOURCE_NOT_FOUND, type McpServerOptions } from './invoke.js';

const JSON_TYPE = 'application/json';

type Contents = { contents: Array<{ uri: string; mimeType: string; text: string }> };

/** A read that fails says why, in the CLI's words; it never takes the server down. */
async function read(uri: URL, options: McpServerOptions, produce: () => Promise<string>): Promise<Contents> {
  try {
    return { contents: [{ uri: uri.href, mimeType: JSON_TYPE, text: await produce() }] };
  } catch (error) {
    if (error instanceof TinytownError) throw requestError(error, error instanceof NotFoundError ? RESOURCE_NOT_FOUND : undefined);
    (options.log ?? ((text: string) => void process.stderr.write(text)))(`tt mcp: unexpected error reading ${uri.href}:\n${error instanceof Error ? error.stack : String(error)}\n`);
    throw error;
  }
}

function variable(value: string | string[] | undefined): string {
  return decodeURIComponent(Array.isArray(value) ? value[0] ?? '' : value ?? '');
}

function agentNamesList(options: McpServerOptions, uri: (name: string) => string, describe: string) {
  return async () => {
    try {
      const agents = listAgents(new Session(options).town().root).items;
      return { resources: agents.map((agent) => ({ uri: uri(agent.name), name: `${describe} ${agent.name}`, mimeType: JSON_TYPE })) };
    } catch {
      return { resources: [] };
    }
  };
}

export function registerResources(server: McpServer, options: McpServerOptions): void {
  server.registerResource('town', 'tinytown://town', { description: 'The town: agents, task counts, open tasks', mimeType: JSON_TYPE },
    (uri) => read(uri, options, async () => jsonText(status(new Session(options), { tasks: true }))));

  server.registerResource('agents', 'tinytown://agents', { description: 'Every agent\'s file', mimeType: JSON_TYPE },
    (uri) => read(uri, options, async () => jsonText(listTownAgents(new Session(options)))));

  server.registerResource('agent', new ResourceTemplate('tinytown://agents/{name}', { list: agentNamesList(options, (name) => `tinytown://agents/${name}`, 'agent') }),
    { description: 'One agent: its file and live status', mimeType: JSON_TYPE },
    (uri, variables) => read(uri, options, async () => jsonText(showAgent(new Session(options), { name: variable(variables.name) }))));

  server.registerResource('task', new ResourceTemplate('tinytown://tasks/{id}', { list: undefined }),
    { description: 'One task (id or unique prefix)', mimeType: JSON_TYPE },
    (uri, variables) => read(uri, options, async () => jsonText(await showTask(new Session(options), { id: variable(variables.id) }))));

  server.registerResource('inbox', new ResourceTemplate('tinytown://inbox/{agent}', { list: agentNamesList(options, (name) => `tinytown://inbox/${name}`, 'inbox of') }),
    { description: 'One agent\'s unread messages (reading does not mark them read)', mimeType: JSON_TYPE },
    (uri, variables) => read(uri, options, async () => jsonText(await showInbox(new Session(options), { agent: variable(variables.agent) }))));
}
