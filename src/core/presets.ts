/**
 * The built-in agent CLI presets: the one table of them, pure data. town.yml's
 * `clis` entries come first (store/config.ts resolves a name), the argv is
 * built in agents/cli-command.ts, `tt conductor` takes `interactive` from
 * here, and every list of preset names shown to a person is made from
 * PRESET_NAMES — so a preset is added or removed here and nowhere else.
 */

/** In a command line: this word's `{prompt_file}` becomes the path of a file holding the prompt. */
export const PROMPT_FILE_PLACEHOLDER = '{prompt_file}';
/** In a command line: this word's `{prompt}` becomes the prompt text itself, still one argv element. */
export const PROMPT_PLACEHOLDER = '{prompt}';

export interface AgentCliPreset {
  /**
   * One round's command line, split into an argv without a shell. The prompt
   * goes on stdin, unless a word names {prompt} or {prompt_file}.
   */
  readonly command: string;
  /** How the CLI starts interactively, the conductor's context appended as one argument; absent: the command's program alone. */
  readonly interactive?: readonly string[];
}

export const PRESETS = {
  claude: { command: 'claude --print --dangerously-skip-permissions', interactive: ['claude'] },
  codex: { command: 'codex exec --dangerously-bypass-approvals-and-sandbox', interactive: ['codex'] },
  'codex-mini': { command: 'codex exec --model codex-mini-latest --dangerously-bypass-approvals-and-sandbox', interactive: ['codex'] },
  aider: { command: 'aider --yes --no-auto-commits --message-file {prompt_file}', interactive: ['aider', '--message'] },
  gemini: { command: 'gemini --yolo', interactive: ['gemini', '-i'] },
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
