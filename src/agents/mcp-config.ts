/**
 * `tt mcp --print-config CLI`: the snippet that adds Tinytown to an agent
 * CLI's MCP configuration, pointing at this package's bin/tt.js by absolute
 * path. Pure text: no SDK, no town.
 */
import path from 'node:path';
import { packageRoot } from '../package-root.js';

export const MCP_CLIENTS = ['claude', 'codex', 'gemini'] as const;
export type McpClient = (typeof MCP_CLIENTS)[number];

/** What the server needs from the agent's environment (Codex passes only a fixed list unless told). */
const PASSED_ENV = ['TINYTOWN_AGENT', 'TINYTOWN_DIR', 'TINYTOWN_TOWN'];

export interface ClientConfig {
  cli: McpClient;
  /** Where the snippet goes. */
  target: string;
  /** The snippet itself: a shell command line, TOML or JSON. */
  snippet: string;
  command: string;
  args: string[];
}

export function ttBinPath(): string {
  return path.join(packageRoot(), 'bin', 'tt.js');
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function tomlArray(values: readonly string[]): string {
  return `[${values.map((value) => JSON.stringify(value)).join(', ')}]`;
}

function serverJson(command: string, args: string[]): string {
  return `${JSON.stringify({ mcpServers: { tinytown: { command, args } } }, null, 2)}\n`;
}

export function clientConfig(cli: McpClient, bin = ttBinPath()): ClientConfig {
  const command = 'node';
  const args = [bin, 'mcp'];
  switch (cli) {
    case 'claude':
      return {
        cli, command, args,
        target: 'Claude Code: run the command once, or put the JSON in .mcp.json at the repository root',
        snippet: `claude mcp add tinytown -- ${[command, ...args].map(shellWord).join(' ')}\n\n# or, shared with the team, in .mcp.json at the repository root:\n${serverJson(command, args)}`,
      };
    case 'codex':
      return {
        cli, command, args,
        target: 'Codex: ~/.codex/config.toml (or .codex/config.toml in a trusted project)',
        snippet: `[mcp_servers.tinytown]\ncommand = ${JSON.stringify(command)}\nargs = ${tomlArray(args)}\nenv_vars = ${tomlArray(PASSED_ENV)}\n`,
      };
    case 'gemini':
      return {
        cli, command, args,
        target: 'Gemini CLI: ~/.gemini/settings.json (or .gemini/settings.json in the project), merged into "mcpServers"',
        snippet: serverJson(command, args),
      };
  }
}
