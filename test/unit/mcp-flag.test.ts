/**
 * tt spawn --mcp: the words a round's argv gets so the CLI runs with
 * tinytown's MCP server — the same server `tt mcp --print-config` configures —
 * and the refusal for CLIs that take MCP servers only from a settings file.
 */
import { describe, expect, it } from 'vitest';
import { agentCommand, roundArgv, splitCommandLine } from '../../src/agents/cli-command.js';
import { clientConfig, commandLineMcpArgs, ttBinPath } from '../../src/agents/mcp-config.js';
import { DEFAULT_CONFIG } from '../../src/store/config.js';
import { UsageError } from '../../src/errors.js';
import type { TownConfig } from '../../src/core/types.js';

const argvOf = (config: TownConfig, cli: string, mcp: boolean) => roundArgv(agentCommand(config, cli, { mcp }), { prompt: 'p', promptFile: '/f' });
const withClis = (clis: Record<string, string>): TownConfig => ({ ...DEFAULT_CONFIG, clis });

/** The table `tt mcp --print-config codex` prints, as key → TOML value. */
function printedCodexTable(): Map<string, string> {
  const lines = clientConfig('codex').snippet.trim().split('\n');
  expect(lines[0]).toBe('[mcp_servers.tinytown]');
  return new Map(lines.slice(1).map((line) => {
    const at = line.indexOf(' = ');
    return [line.slice(0, at), line.slice(at + 3)] as const;
  }));
}

describe('tt spawn --mcp on the command line', () => {
  it('claude: the preset argv, then --mcp-config with the tinytown server as JSON', () => {
    const off = argvOf(DEFAULT_CONFIG, 'claude', false);
    const on = argvOf(DEFAULT_CONFIG, 'claude', true);
    expect(off).not.toContain('--mcp-config');
    expect(on.slice(0, off.length)).toEqual(off);
    expect(on.slice(off.length, -1)).toEqual(['--mcp-config']);
    expect(JSON.parse(on.at(-1)!)).toEqual({ mcpServers: { tinytown: { command: 'node', args: [ttBinPath(), 'mcp'] } } });
    expect(off.join(' ')).toContain('mcp__tinytown');
  });

  it.each(['codex', 'codex-mini'])('%s: one -c override per key of the table tt mcp --print-config codex prints', (cli) => {
    const off = argvOf(DEFAULT_CONFIG, cli, false);
    const on = argvOf(DEFAULT_CONFIG, cli, true);
    expect(on.slice(0, off.length)).toEqual(off);
    const added = on.slice(off.length);
    expect(added.filter((_, i) => i % 2 === 0).every((word) => word === '-c')).toBe(true);
    const overrides = new Map(added.filter((_, i) => i % 2 === 1).map((word) => {
      const at = word.indexOf('=');
      return [word.slice(0, at), word.slice(at + 1)] as const;
    }));
    const table = printedCodexTable();
    expect([...overrides.keys()]).toEqual([...table.keys()].map((key) => `mcp_servers.tinytown.${key}`));
    for (const [key, value] of table) expect(overrides.get(`mcp_servers.tinytown.${key}`)).toBe(value);
    expect(table.get('required')).toBe('true');
    expect(table.get('default_tools_approval_mode')).toBe('"approve"');
    expect(table.get('args')).toBe(JSON.stringify([ttBinPath(), 'mcp']).replace(',', ', '));
  });

  it('a town.yml command line running claude or codex gets the same words, by program name', () => {
    const config = withClis({ mine: '/opt/bin/claude -p {prompt}', cx: 'codex exec -m o3' });
    expect(argvOf(config, 'mine', true)).toEqual(['/opt/bin/claude', '-p', 'p', ...commandLineMcpArgs('claude')!]);
    expect(argvOf(config, 'cx', true)).toEqual([...splitCommandLine('codex exec -m o3'), ...commandLineMcpArgs('codex')!]);
    expect(argvOf(config, 'mine', false)).toEqual(['/opt/bin/claude', '-p', 'p']);
  });

  it('gemini is refused with where its MCP configuration goes instead', () => {
    expect(() => agentCommand(DEFAULT_CONFIG, 'gemini', { mcp: true })).toThrow(UsageError);
    expect(() => agentCommand(DEFAULT_CONFIG, 'gemini', { mcp: true })).toThrow(/tt mcp --print-config gemini.*\.gemini\/settings\.json.*--no-mcp/);
    expect(commandLineMcpArgs('gemini')).toBeUndefined();
    expect(argvOf(DEFAULT_CONFIG, 'gemini', false)).toEqual(['gemini', '--yolo', '--output-format', 'json']);
  });

  it.each(['aider', 'scripted', 'cursor', 'mine'])('%s, with no known way, is refused', (cli) => {
    const config = withClis({ mine: 'my-agent --go' });
    expect(() => agentCommand(config, cli, { mcp: true })).toThrow(new RegExp(`"${cli}" cannot get tinytown's MCP server with --mcp.*no way`));
    expect(() => agentCommand(config, cli, { mcp: false })).not.toThrow();
  });
});
