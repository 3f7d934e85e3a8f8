/**
 * `tt mcp --print-config CLI`: the snippet that adds Tinytown to an agent
 * CLI's MCP configuration, pointing at this package's bin/tt.js by absolute
 * path, and what else that CLI needs before an unattended run can call the
 * tools (found with the real CLIs, issue 18): a configured server is not yet
 * a callable one. Pure text: no SDK, no town.
 */
import path from 'node:path';
import { packageRoot } from '../package-root.js';

export const MCP_CLIENTS = ['claude', 'codex', 'gemini'] as const;
export type McpClient = (typeof MCP_CLIENTS)[number];

/**
 * What the server needs from the agent's environment (Codex passes only a
 * fixed list unless told): who acts, the town, and the round, so the loop
 * counts the tool calls (agents/round-ledger.ts).
 */
const PASSED_ENV = ['TINYTOWN_AGENT', 'TINYTOWN_DIR', 'TINYTOWN_TOWN', 'TINYTOWN_ROUND'];

export interface ClientConfig {
  cli: McpClient;
  /** Where the snippet goes. */
  target: string;
  /** The snippet itself: a shell command line, TOML or JSON. */
  snippet: string;
  /** What the CLI needs, besides the snippet, for the tools to be callable in an unattended run. */
  needs: string[];
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

function servers(command: string, args: string[]): { mcpServers: { tinytown: { command: string; args: string[] } } } {
  return { mcpServers: { tinytown: { command, args } } };
}

function serverJson(command: string, args: string[]): string {
  return `${JSON.stringify(servers(command, args), null, 2)}\n`;
}

/** The [mcp_servers.tinytown] table's keys and TOML values: the config.toml snippet and the `-c` overrides are both made from it. */
function codexFields(command: string, args: string[]): [string, string][] {
  return [
    ['command', JSON.stringify(command)],
    ['args', tomlArray(args)],
    ['env_vars', tomlArray(PASSED_ENV)],
    ['default_tools_approval_mode', '"approve"'],
    ['required', 'true'],
  ];
}

export function clientConfig(cli: McpClient, bin = ttBinPath()): ClientConfig {
  const command = 'node';
  const args = [bin, 'mcp'];
  switch (cli) {
    case 'claude':
      return {
        cli, command, args,
        target: 'Claude Code: run the command once, or put the JSON in .mcp.json at the repository root (or pass its file with --mcp-config)',
        needs: [
          'Claude Code calls no MCP tool it was not allowed to in --print mode (it answers "haven\'t granted it yet" and exits 0): pass --allowedTools mcp__tinytown, as the claude preset does, or add "mcp__tinytown" to permissions.allow in .claude/settings.json.',
          'Its tools are listed lazily: the agent finds them by searching for "tinytown" when the list is long.',
        ],
        snippet: `claude mcp add tinytown -- ${[command, ...args].map(shellWord).join(' ')}\n\n# or, shared with the team, in .mcp.json at the repository root:\n${serverJson(command, args)}`,
      };
    case 'codex':
      return {
        cli, command, args,
        target: 'Codex: ~/.codex/config.toml (or .codex/config.toml in a trusted project)',
        snippet: `[mcp_servers.tinytown]\n${codexFields(command, args).map(([key, value]) => `${key} = ${value}\n`).join('')}`,
        needs: [
          'Codex asks before each call of an MCP tool not marked read-only, and with approval policy "never" (codex exec, the codex preset) it refuses instead ("requires approval, but approval policy is never"): default_tools_approval_mode = "approve" above lets Tinytown\'s tools through, and only them.',
          'required = true makes Codex wait for the server before its first model call (and fail if it cannot start): without it, once ~/.codex has its state from earlier runs, Codex often starts the turn before the server is up, and that round has no tinytown tools.',
          'env_vars passes the TINYTOWN_* variables through: Codex gives a server only a fixed list of variables. The tools come as the namespace mcp__tinytown.',
        ],
      };
    case 'gemini':
      return {
        cli, command, args,
        target: 'Gemini CLI: ~/.gemini/settings.json (or .gemini/settings.json in the project), merged into "mcpServers"',
        snippet: serverJson(command, args),
        needs: [
          'Run without a terminal, Gemini CLI offers MCP tools only in --yolo mode (without it the agent sees no tinytown tool at all), and it reads a project\'s .gemini/settings.json only in a trusted folder: set GEMINI_CLI_TRUST_WORKSPACE=true (the gemini preset does both; --skip-trust would ignore the project settings, and the server with them).',
          'The tools are named mcp_tinytown_<tool>.',
        ],
      };
  }
}

/**
 * `tt spawn --mcp`: the words that give one round of this CLI Tinytown's MCP
 * server on its own command line — the same server `tt mcp --print-config`
 * configures, for a run that leaves the CLI's settings files alone. Claude
 * Code takes the JSON itself (--mcp-config accepts a string), Codex `-c`
 * overrides of the config.toml table; Gemini CLI reads MCP servers only from
 * its settings.json: undefined.
 */
export function commandLineMcpArgs(cli: McpClient, bin = ttBinPath()): string[] | undefined {
  const { command, args } = clientConfig(cli, bin);
  switch (cli) {
    case 'claude':
      // Last on the line, as the caller puts it: --mcp-config takes every word after it up to the next flag.
      return ['--mcp-config', JSON.stringify(servers(command, args))];
    case 'codex':
      return codexFields(command, args).flatMap(([key, value]) => ['-c', `mcp_servers.tinytown.${key}=${value}`]);
    case 'gemini':
      return undefined;
  }
}
