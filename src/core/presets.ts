/**
 * The built-in agent CLI presets: the one table of them, pure data. town.yml's
 * `clis` entries come first (store/config.ts resolves a name), the argv is
 * built in agents/cli-command.ts, `tt conductor` takes `interactive` from
 * here, `tt spawn` checks the installed CLI against `check`
 * (agents/cli-check.ts), and every list of preset names shown to a person is
 * made from PRESET_NAMES — so a preset is added or removed here and nowhere else.
 *
 * Each round runs unattended, as root as often as not (containers, CI, agent
 * sandboxes), in a repository the CLI has never seen. So each preset names the
 * least a CLI needs to act on its own there, and says what that costs — the
 * README's preset table says the same, for people.
 */

import type { CliOutputFormat } from './cli-output.js';

/** In a command line: this word's `{prompt_file}` becomes the path of a file holding the prompt. */
export const PROMPT_FILE_PLACEHOLDER = '{prompt_file}';
/** In a command line: this word's `{prompt}` becomes the prompt text itself, still one argv element. */
export const PROMPT_PLACEHOLDER = '{prompt}';

/** A flag a CLI refuses when run as root, with the error it prints. */
export interface RootRefusal {
  readonly flag: string;
  readonly error: string;
  /** What to use instead. */
  readonly instead: string;
}

/** How `tt spawn` checks an installed CLI before its first round. */
export interface CliCheck {
  /** Arguments after the program that print its version. */
  readonly version: readonly string[];
  /** Arguments after the program whose output lists every flag the command line uses. */
  readonly help: readonly string[];
  /** The version these flags were last checked against. */
  readonly tested: string;
  /** The npm package, for the fix an error names. */
  readonly npm: string;
  readonly refusedAsRoot?: readonly RootRefusal[];
}

export interface AgentCliPreset {
  /**
   * One round's command line, split into an argv without a shell. The prompt
   * goes on stdin, unless a word names {prompt} or {prompt_file}.
   */
  readonly command: string;
  /** How the CLI starts interactively, the conductor's context appended as one argument; absent: the command's program alone. */
  readonly interactive?: readonly string[];
  /** Added to the CLI's environment each round; a variable the user set already wins. */
  readonly env?: Readonly<Record<string, string>>;
  readonly check?: CliCheck;
  /**
   * The machine-readable output the command line asks for, which the loop
   * reads for the round's text and usage (core/cli-output.ts). Kept by a
   * town.yml command line running the same program: output not in this form
   * is logged as printed and reports no usage.
   */
  readonly output?: CliOutputFormat;
}

const CLAUDE_CHECK: CliCheck = {
  version: ['--version'], help: ['--help'], tested: '2.1.197', npm: '@anthropic-ai/claude-code',
  refusedAsRoot: [{
    flag: '--dangerously-skip-permissions',
    error: '--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons',
    instead: 'name the tools instead (--allowedTools Bash,Edit,Write,mcp__tinytown, as the claude preset does)',
  }],
};
const CODEX_CHECK: CliCheck = { version: ['--version'], help: ['exec', '--help'], tested: '0.171.0', npm: '@openai/codex' };
const GEMINI_CHECK: CliCheck = { version: ['--version'], help: ['--help'], tested: '0.61.0', npm: '@google/gemini-cli' };

export const PRESETS = {
  /**
   * --allowedTools, not --dangerously-skip-permissions (refused as root): Bash
   * for tt, git and the project's own tools, Edit and Write for the code, and
   * every tool of the tinytown MCP server. Risk: Bash is unrestricted, so the
   * agent runs any command without asking, as the loop's user; tools not named
   * (web fetch, …) are refused in --print mode, which the agent sees as a refusal.
   * --output-format json: one result object at the end, with the answer, the
   * tokens and the cost (the log gets the answer when the round ends, not as it goes).
   */
  claude: { command: 'claude --print --output-format json --allowedTools Bash,Edit,Write,mcp__tinytown', interactive: ['claude'], check: CLAUDE_CHECK, output: 'claude-json' },
  /**
   * -c allow_login_shell=false: Codex runs commands through `bash -lc`, whose
   * profile resets PATH and loses tt's bin folder (openai/codex#4210, #8922).
   * Risk: no sandbox and no approvals — every command runs as the loop's user;
   * and without a login shell, tools a profile adds to PATH (nvm, pyenv) are
   * absent unless the loop's own PATH has them.
   * --json: JSONL events — messages and commands as they happen, each turn's tokens.
   */
  codex: { command: 'codex exec --json --dangerously-bypass-approvals-and-sandbox -c allow_login_shell=false', interactive: ['codex'], check: CODEX_CHECK, output: 'codex-jsonl' },
  'codex-mini': { command: 'codex exec --json --model codex-mini-latest --dangerously-bypass-approvals-and-sandbox -c allow_login_shell=false', interactive: ['codex'], check: CODEX_CHECK, output: 'codex-jsonl' },
  aider: { command: 'aider --yes --no-auto-commits --message-file {prompt_file}', interactive: ['aider', '--message'] },
  /**
   * GEMINI_CLI_TRUST_WORKSPACE=true: without it every round in a folder not
   * trusted interactively exits 55 (any fresh clone, container or CI run).
   * Not --skip-trust, which also ignores the project's .gemini/settings.json and
   * so its MCP servers. Risk: --yolo approves every tool call, and a trusted
   * workspace loads the repository's own .gemini settings (MCP servers, hooks)
   * — a repository you do not trust can run commands through them.
   * --output-format json: one object at the end with the response and each model's tokens.
   */
  gemini: { command: 'gemini --yolo --output-format json', interactive: ['gemini', '-i'], env: { GEMINI_CLI_TRUST_WORKSPACE: 'true' }, check: GEMINI_CHECK, output: 'gemini-json' },
  auggie: { command: 'auggie --print', interactive: ['auggie'] },
  copilot: { command: 'copilot --allow-all-tools -p {prompt}', interactive: ['copilot', '-i'] },
  cursor: { command: 'cursor-agent --print --force', interactive: ['cursor-agent'] },
  /** A deterministic stand-in for an LLM: this package's own `tt scripted-agent` (agents/cli-command.ts). */
  scripted: { command: 'tt-scripted-agent' },
} as const satisfies Readonly<Record<string, AgentCliPreset>>;

export type PresetName = keyof typeof PRESETS;

export const PRESET_NAMES: readonly PresetName[] = Object.keys(PRESETS) as PresetName[];

/** The preset called `name`, if there is one (own keys only: `constructor` is not a preset). */
export function findPreset(name: string): AgentCliPreset | undefined {
  return Object.hasOwn(PRESETS, name) ? PRESETS[name as PresetName] : undefined;
}

/** Preset name → command line, with no prototype, so looking up any typed name is safe. */
export const PRESET_COMMAND_LINES: Readonly<Record<string, string>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, string>, Object.fromEntries(PRESET_NAMES.map((name) => [name, PRESETS[name].command]))),
);

/** The last path segment of a program as written (`/opt/bin/claude` → `claude`). */
function programName(program: string): string {
  return program.slice(program.lastIndexOf('/') + 1);
}

/**
 * The preset whose program this is, by its name: a town.yml command line that
 * runs `claude` or `/opt/bin/gemini` gets that preset's environment and check,
 * since what a CLI needs to run unattended depends on the CLI, not on the flags chosen.
 */
export function presetForProgram(program: string): AgentCliPreset | undefined {
  const name = programName(program);
  return PRESET_NAMES.map((preset) => PRESETS[preset] as AgentCliPreset).find((preset) => preset.command.split(/\s+/)[0] === name);
}

/** The flags of an argv (the words starting with "-", without an "=value"), in order, each once. */
export function commandFlags(args: readonly string[]): string[] {
  const flags = args.filter((word) => /^-[A-Za-z-]/.test(word)).map((word) => word.split('=')[0]!);
  return [...new Set(flags)];
}

/** The flags a CLI's help text does not list: as a word of its own, followed by a space, comma, "=", "<" or "[" (or the line's end). */
export function flagsMissingFromHelp(args: readonly string[], help: string): string[] {
  return commandFlags(args).filter((flag) => {
    const escaped = flag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return !new RegExp(`(^|[\\s,])${escaped}(?=[\\s,=<\\[]|$)`, 'm').test(help);
  });
}

/** The version number in a CLI's --version output ("2.1.197 (Claude Code)", "codex-cli 0.171.0"). */
export function parseVersion(output: string): string | undefined {
  return /\d+\.\d+\.\d+(?:[-.][\w.]+)?/.exec(output)?.[0];
}
