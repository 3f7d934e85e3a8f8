import type { CommandDefinition } from '../command.js';
import { optionalString } from '../command.js';
import { UsageError } from '../../errors.js';

const CLIENTS = ['claude', 'codex', 'gemini'] as const;

export const mcpCommand: CommandDefinition = {
  path: ['mcp'],
  describe: 'Serve the town to agent CLIs over the Model Context Protocol (stdio), acting as --as / TINYTOWN_AGENT; --print-config shows how to add it',
  options: {
    'print-config': { type: 'string', choices: CLIENTS, describe: 'Print the snippet that adds Tinytown to this CLI\'s MCP configuration' },
  },
  examples: [
    ['tt mcp --print-config claude', 'how to give Claude Code the town'],
    ['TINYTOWN_AGENT=backend tt mcp', 'serve on stdio, acting as backend'],
  ],
  async run(args, cli) {
    const client = optionalString(args.printConfig ?? args['print-config']);
    // Both imports are lazy: no other tt command loads the MCP SDK (its own bundle chunk).
    if (client !== undefined) {
      if (!(CLIENTS as readonly string[]).includes(client)) throw new UsageError(`--print-config takes ${CLIENTS.join(', ')}, not "${client}"`);
      const { clientConfig } = await import('../../mcp/client-config.js');
      const config = clientConfig(client as (typeof CLIENTS)[number]);
      return { kind: 'mcp-config', payload: { ...config }, text: config.snippet.trimEnd(), notes: [`# ${config.target}`] };
    }
    const { runStdioServer } = await import('../../mcp/server.js');
    const env = { ...cli.runtime.env };
    // An agent CLI may pass "$TINYTOWN_AGENT" through as an empty string: that means unset.
    for (const key of ['TINYTOWN_AGENT', 'TINYTOWN_DIR', 'TINYTOWN_TOWN']) if (env[key] === '') delete env[key];
    await runStdioServer({ cwd: cli.runtime.cwd, env, town: cli.args.town, as: cli.args.as, now: cli.runtime.now });
    return { kind: 'mcp', payload: {}, text: '', streamed: true };
  },
};
