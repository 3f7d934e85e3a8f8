/**
 * `tt mcp`: the town over the Model Context Protocol, on stdio. Loaded only by
 * the mcp command (a dynamic import: a lazily loaded part of the one bundle), so no other `tt`
 * command pays for the SDK.
 *
 * One server acts as one agent (`--as`, else TINYTOWN_AGENT, else the
 * conductor): its writes are authored by that agent, as `tt` run with the same
 * environment would be. A team of agents runs one server each.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { Session } from '../app/session.js';
import type { McpServerOptions } from './invoke.js';
import { registerPrompts } from './prompts.js';
import { registerResources } from './resources.js';
import { registerTools } from './tools.js';

declare const TINYTOWN_VERSION: string | undefined;
const VERSION = typeof TINYTOWN_VERSION === 'string' ? TINYTOWN_VERSION : '0.0.0-dev';

export type { McpServerOptions } from './invoke.js';

export function createTinytownServer(options: McpServerOptions): McpServer {
  const actor = new Session(options).typedActor() ?? 'conductor';
  const server = new McpServer({ name: 'tinytown', version: VERSION }, {
    capabilities: { tools: {}, resources: {}, prompts: {} },
    instructions: `Tinytown: agents, tasks and messages as files in git; every write is a commit. You act as "${actor}". Tool results are the JSON \`tt --json\` prints.`,
  });
  registerTools(server, options);
  registerResources(server, options);
  registerPrompts(server, options);
  return server;
}

/** Serves on stdin/stdout until the client closes stdin. */
export async function runStdioServer(options: McpServerOptions): Promise<void> {
  const server = createTinytownServer(options);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = resolve;
  });
  const stop = () => void server.close().catch(() => {});
  process.stdin.once('end', stop);
  process.stdin.once('close', stop);
  await server.connect(transport);
  await closed;
}
