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

/** JSON-RPC 2.0's answers to a line that is not JSON, or JSON that is not a request. */
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;

/**
 * The SDK's stdio transport drops a line it cannot parse (it only calls
 * onerror), so the client would wait for an answer forever. JSON-RPC says to
 * answer such a line with an error whose id is null; this does, and keeps
 * serving.
 */
function answerMalformedLines(transport: StdioServerTransport, log: (text: string) => void): void {
  const protocolOnError = transport.onerror;
  transport.onerror = (error) => {
    const parse = error instanceof SyntaxError;
    const invalid = !parse && error.name === 'ZodError';
    if (parse || invalid) {
      log(`tt mcp: ${parse ? 'a line that is not JSON' : 'a message that is not JSON-RPC'} (answered with an error)\n`);
      const reply = { jsonrpc: '2.0', id: null, error: { code: parse ? PARSE_ERROR : INVALID_REQUEST, message: parse ? 'Parse error' : 'Invalid Request' } };
      // id null is what JSON-RPC prescribes here; the SDK's message type has no place for it
      void transport.send(reply as unknown as Parameters<StdioServerTransport['send']>[0]);
      return;
    }
    protocolOnError?.(error);
  };
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
  answerMalformedLines(transport, options.log ?? ((text) => void process.stderr.write(text)));
  await closed;
}
