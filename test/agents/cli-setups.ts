/**
 * How each real CLI is pointed at its model mock and at `tt mcp`, in a
 * temporary HOME of its own — the only per-CLI knowledge of the town
 * scenario. The preset's command line is used as it is (core/presets.ts);
 * only the environment and the CLI's own configuration files differ.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentCliName } from './install-clis.js';
import type { Brain, ModelMock } from './protocol.js';

export interface CliSetup {
  /** The mock of this CLI's model API: its module (beside this file) and the function that starts it. */
  readonly mock: { readonly file: string; readonly start: string };
  /** Variables for the CLI (through tt's loop, which passes its environment on). */
  env(mockUrl: string, home: string): Record<string, string>;
  /** The CLI's own configuration files under the temporary HOME. */
  configure(mockUrl: string, home: string): void;
  /**
   * Adds what `tt mcp --print-config <cli>` printed to the CLI's configuration;
   * `run` runs a command line as the town's user, in the repository.
   */
  addMcp(printed: string, home: string, run: (commandLine: string) => Promise<void>): Promise<void>;
}

function writeJson(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function readJson(file: string): Record<string, unknown> {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
}

const MOCK_KEY = 'mock-key-not-a-secret';

export const CLI_SETUPS: Readonly<Record<AgentCliName, CliSetup>> = {
  /** Claude Code honours ANTHROPIC_BASE_URL and calls only POST /v1/messages. */
  claude: {
    mock: { file: 'anthropic', start: 'startAnthropicMock' },
    env: (url) => ({ ANTHROPIC_BASE_URL: url, ANTHROPIC_API_KEY: MOCK_KEY, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' }),
    configure: () => {},
    // The printed snippet's first line is the `claude mcp add …` command: run it as printed, in the repository.
    addMcp: async (printed, _home, run) => {
      const command = printed.split('\n').find((line) => line.startsWith('claude mcp add'));
      if (!command) throw new Error(`tt mcp --print-config claude printed no "claude mcp add" line:\n${printed}`);
      await run(command);
    },
  },
  /** Codex ignores OPENAI_BASE_URL: a provider of its own in $CODEX_HOME/config.toml, speaking the Responses API. */
  codex: {
    mock: { file: 'openai-responses', start: 'startResponsesMock' },
    env: (_url, home) => ({ CODEX_HOME: path.join(home, '.codex'), MOCK_API_KEY: MOCK_KEY }),
    configure: (url, home) => {
      mkdirSync(path.join(home, '.codex'), { recursive: true });
      writeFileSync(path.join(home, '.codex', 'config.toml'), [
        // gpt-5.5: plain function tools (exec_command; MCP behind tool_search). The suite's towns passed with it through tt
        // commands, root and unprivileged; Codex's default model ("code mode", one JavaScript exec tool) was not run through them.
        'model = "gpt-5.5"',
        'model_provider = "mock"',
        '',
        '[model_providers.mock]',
        'name = "mock"',
        `base_url = "${url}/v1"`,
        'env_key = "MOCK_API_KEY"',
        'wire_api = "responses"',
        '',
        '[features]',
        'plugins = false',
        '',
      ].join('\n'));
    },
    // The printed TOML table goes at the end of config.toml, after the top-level keys.
    addMcp: async (printed, home) => {
      const file = path.join(home, '.codex', 'config.toml');
      writeFileSync(file, `${readFileSync(file, 'utf8')}\n${printed.split('\n').filter((line) => !line.startsWith('#')).join('\n')}\n`);
    },
  },
  /**
   * Gemini CLI honours GOOGLE_GEMINI_BASE_URL with an API key, once settings
   * say the key is the way to log in (google-gemini/gemini-cli#27550).
   */
  gemini: {
    mock: { file: 'gemini', start: 'startGeminiMock' },
    env: (url) => ({ GOOGLE_GEMINI_BASE_URL: url, GEMINI_API_KEY: MOCK_KEY }),
    configure: (_url, home) => writeJson(path.join(home, '.gemini', 'settings.json'), { security: { auth: { selectedType: 'gemini-api-key' } } }),
    // The printed JSON's mcpServers merged into ~/.gemini/settings.json.
    addMcp: async (printed, home) => {
      const file = path.join(home, '.gemini', 'settings.json');
      const json = printed.slice(printed.indexOf('{'), printed.lastIndexOf('}') + 1);
      const { mcpServers } = JSON.parse(json) as { mcpServers: Record<string, unknown> };
      const settings = readJson(file);
      writeJson(file, { ...settings, mcpServers: { ...(settings.mcpServers as Record<string, unknown> | undefined), ...mcpServers } });
    },
  },
};

/**
 * Starts the CLI's mock, or says why it cannot: the three mocks are written
 * in parallel, and a branch may not hold them all yet. Loaded by name so this
 * file compiles either way.
 */
export async function startMock(cli: AgentCliName, brain: Brain): Promise<ModelMock | { missing: string }> {
  const { file, start } = CLI_SETUPS[cli].mock;
  const source = fileURLToPath(new URL(`./mocks/${file}.ts`, import.meta.url));
  if (!existsSync(source)) return { missing: `test/agents/mocks/${file}.ts is not on this branch (its mock is written apart, issue 18)` };
  const module = (await import(/* @vite-ignore */ source)) as Record<string, unknown>;
  const starter = module[start];
  if (typeof starter !== 'function') return { missing: `test/agents/mocks/${file}.ts exports no ${start}()` };
  return (starter as (brain: Brain) => Promise<ModelMock>)(brain);
}
