import { defineCommand } from '../command.js';
import { UsageError } from '../../errors.js';
import { clientConfig, MCP_CLIENTS } from '../../agents/mcp-config.js';

export const mcpCommand = defineCommand({
  path: ['mcp'],
  describe: 'Serve the town to agent CLIs over the Model Context Protocol (stdio), acting as --as / TINYTOWN_AGENT; --print-config shows how to add it',
  options: {
    'print-config': { type: 'string', choices: MCP_CLIENTS, describe: 'Print the snippet that adds Tinytown to this CLI\'s MCP configuration' },
  },
  examples: [
    ['tt mcp --print-config claude', 'how to give Claude Code the town'],
    ['TINYTOWN_AGENT=backend tt mcp', 'serve on stdio, acting as backend'],
  ],
  async run(args, cli) {
    const client = args.printConfig;
    if (client !== undefined) {
      if (!(MCP_CLIENTS as readonly string[]).includes(client)) throw new UsageError(`--print-config takes ${MCP_CLIENTS.join(', ')}, not "${client}"`);
      const config = clientConfig(client);
      return { kind: 'mcp-config', payload: { ...config }, text: config.snippet.trimEnd(), notes: [`# ${config.target}`, ...config.needs.map((need) => `# ${need}`)] };
    }
    if (!cli.runtime.faces) throw new UsageError('this build of tt has no MCP server (run bin/tt)');
    const env = { ...cli.runtime.env };
    // An agent CLI may pass "$TINYTOWN_AGENT" through as an empty string: that means unset.
    for (const key of ['TINYTOWN_AGENT', 'TINYTOWN_DIR', 'TINYTOWN_TOWN']) if (env[key] === '') delete env[key];
    await cli.runtime.faces.serveMcp({ cwd: cli.runtime.cwd, env, town: cli.args.town, as: cli.args.as, now: cli.runtime.now });
    return { kind: 'mcp', payload: {}, text: '', streamed: true };
  },
});
