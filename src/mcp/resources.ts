/**
 * Resources: the town as documents an MCP client can attach — the same JSON
 * `tt --json` prints (status, list, task show, inbox), plus one agent's file
 * with its live status.
 */
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { agentJson } from '../app/json.js';
import { NotFoundError, TinytownError } from '../errors.js';
import { resolveAgent } from '../app/agents.js';
import { townStatus } from '../app/status.js';
import { listAgents } from '../store/reader.js';
import { cliContext, jsonText, requestError, RESOURCE_NOT_FOUND, runCommand, type McpServerOptions } from './invoke.js';

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

/** One agent: its file (durable facts) and its live status (state, unread, current task). */
function agentDocument(options: McpServerOptions, input: string): string {
  const town = cliContext(options).town();
  const name = resolveAgent(town, input);
  const agent = listAgents(town.root).items.find((item) => item.name === name);
  if (!agent) throw new NotFoundError(`agent "${name}" has no readable file (tt doctor)`);
  const status = townStatus(town).agents.find((item) => item.name === name);
  return jsonText({ kind: 'agent', payload: { agent: { ...agentJson(agent), ...(status ? { state: status.state, unread: status.unread, urgent: status.urgent, current_task: status.current_task } : {}) } } });
}

function agentNamesList(options: McpServerOptions, uri: (name: string) => string, describe: string) {
  return async () => {
    try {
      const agents = listAgents(cliContext(options).town().root).items;
      return { resources: agents.map((agent) => ({ uri: uri(agent.name), name: `${describe} ${agent.name}`, mimeType: JSON_TYPE })) };
    } catch {
      return { resources: [] };
    }
  };
}

export function registerResources(server: McpServer, options: McpServerOptions): void {
  server.registerResource('town', 'tinytown://town', { description: 'The town: agents, task counts, open tasks', mimeType: JSON_TYPE },
    (uri) => read(uri, options, async () => jsonText(await runCommand(options, ['status'], { tasks: true }))));

  server.registerResource('agents', 'tinytown://agents', { description: 'Every agent\'s file', mimeType: JSON_TYPE },
    (uri) => read(uri, options, async () => jsonText(await runCommand(options, ['list'], {}))));

  server.registerResource('agent', new ResourceTemplate('tinytown://agents/{name}', { list: agentNamesList(options, (name) => `tinytown://agents/${name}`, 'agent') }),
    { description: 'One agent: its file and live status', mimeType: JSON_TYPE },
    (uri, variables) => read(uri, options, async () => agentDocument(options, variable(variables.name))));

  server.registerResource('task', new ResourceTemplate('tinytown://tasks/{id}', { list: undefined }),
    { description: 'One task (id or unique prefix)', mimeType: JSON_TYPE },
    (uri, variables) => read(uri, options, async () => jsonText(await runCommand(options, ['task', 'show'], { id: variable(variables.id) }))));

  server.registerResource('inbox', new ResourceTemplate('tinytown://inbox/{agent}', { list: agentNamesList(options, (name) => `tinytown://inbox/${name}`, 'inbox of') }),
    { description: 'One agent\'s unread messages (reading does not mark them read)', mimeType: JSON_TYPE },
    (uri, variables) => read(uri, options, async () => jsonText(await runCommand(options, ['inbox'], { agent: variable(variables.agent) }))));
}
