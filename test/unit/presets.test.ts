import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PRESETS, PRESET_NAMES, findPreset, type PresetName } from '../../src/core/presets.js';
import { agentCommand, roundArgv } from '../../src/agents/cli-command.js';
import { interactiveArgv } from '../../src/agents/conductor-context.js';
import { DEFAULT_CONFIG, resolveCliCommand } from '../../src/store/config.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Text a shell would act on, with spaces, newlines and a placeholder of its own: it must arrive as one argv element, untouched. */
const PROMPT = 'Build the API; $(touch pwned) `id` "quoted" \'single\'\nsecond line {prompt_file} {prompt}';
const PROMPT_FILE = '/town/.tinytown/run/prompts/backend-round-1.md';

/** Every preset's exact argv for one round, and how the prompt reaches it. */
const EXPECTED: Record<PresetName, { argv: string[]; prompt: 'stdin' | 'argv' }> = {
  claude: { argv: ['claude', '--print', '--output-format', 'json', '--allowedTools', 'Bash,Edit,Write,mcp__tinytown'], prompt: 'stdin' },
  codex: { argv: ['codex', 'exec', '--json', '--dangerously-bypass-approvals-and-sandbox', '-c', 'allow_login_shell=false'], prompt: 'stdin' },
  'codex-mini': { argv: ['codex', 'exec', '--json', '--model', 'codex-mini-latest', '--dangerously-bypass-approvals-and-sandbox', '-c', 'allow_login_shell=false'], prompt: 'stdin' },
  aider: { argv: ['aider', '--yes', '--no-auto-commits', '--message-file', PROMPT_FILE], prompt: 'argv' },
  gemini: { argv: ['gemini', '--yolo', '--output-format', 'json'], prompt: 'stdin' },
  auggie: { argv: ['auggie', '--print'], prompt: 'stdin' },
  copilot: { argv: ['copilot', '--allow-all-tools', '-p', PROMPT], prompt: 'argv' },
  cursor: { argv: ['cursor-agent', '--print', '--force'], prompt: 'stdin' },
  scripted: { argv: [process.execPath, path.join(REPO_ROOT, 'bin', 'tt.js'), 'scripted-agent'], prompt: 'stdin' },
};

describe('agent CLI presets', () => {
  it('has an expected argv here for every preset in the table', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...PRESET_NAMES].sort());
  });

  it.each(PRESET_NAMES)('%s runs with its exact argv', (name) => {
    const command = agentCommand(DEFAULT_CONFIG, name);
    expect(roundArgv(command, { prompt: PROMPT, promptFile: PROMPT_FILE })).toEqual(EXPECTED[name].argv);
    expect(command.prompt).toBe(EXPECTED[name].prompt);
  });

  it('reads a CLI\'s machine-readable output only where the command line asks for it', () => {
    expect(['claude', 'codex', 'codex-mini', 'gemini', 'aider', 'scripted'].map((name) => agentCommand(DEFAULT_CONFIG, name).output))
      .toEqual(['claude-json', 'codex-jsonl', 'codex-jsonl', 'gemini-json', undefined, undefined]);
    const lines = { textClaude: 'claude --print', jsonClaude: 'claude -p --output-format=json', geminiShort: 'gemini -y -o json', plainCodex: 'codex exec' };
    const config = { ...DEFAULT_CONFIG, clis: lines };
    expect(Object.keys(lines).map((name) => agentCommand(config, name).output)).toEqual([undefined, 'claude-json', 'gemini-json', undefined]);
  });

  it('substitutes {prompt} as one element wherever it stands in a word, and never rescans what it put in', () => {
    const config = { ...DEFAULT_CONFIG, clis: { mine: 'my-agent --prompt={prompt} --file {prompt_file}' } };
    const command = agentCommand(config, 'mine');
    expect(command).toMatchObject({ prompt: 'argv', promptInFile: true });
    expect(roundArgv(command, { prompt: 'a {prompt_file} b', promptFile: '/p.md' })).toEqual(['my-agent', '--prompt=a {prompt_file} b', '--file', '/p.md']);
  });

  it('is the one table: resolving, the unknown-CLI message and tt conductor all read it', () => {
    for (const name of PRESET_NAMES) expect(resolveCliCommand(DEFAULT_CONFIG, name)).toBe(PRESETS[name].command);
    expect(() => agentCommand(DEFAULT_CONFIG, 'nope')).toThrow(`name a preset (${PRESET_NAMES.join(', ')})`);
    // Names of Object.prototype's members are not presets.
    expect(findPreset('constructor')).toBeUndefined();
    expect(() => agentCommand(DEFAULT_CONFIG, 'constructor')).toThrow(/unknown agent CLI "constructor"/);
    expect(interactiveArgv('copilot', 'copilot', 'CONTEXT')).toEqual(['copilot', '-i', 'CONTEXT']);
    expect(interactiveArgv('aider', 'aider', 'CONTEXT')).toEqual(['aider', '--message', 'CONTEXT']);
    expect(interactiveArgv('mine', 'my-agent', 'CONTEXT')).toEqual(['my-agent', 'CONTEXT']);
  });

  it('is listed whole where the docs name the presets (README, the town.yml template)', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const listed = /CLI presets: ([^.]*?), or any command line/s.exec(readme)?.[1];
    expect(listed?.replace(/\s+/g, ' ')).toBe(PRESET_NAMES.map((name) => `\`${name}\``).join(', '));
    const template = readFileSync(path.join(REPO_ROOT, 'templates', 'town.yml'), 'utf8');
    const inTemplate = /Built-in presets: ([^(]*?) \(/s.exec(template)?.[1];
    expect(inTemplate?.replace(/\s*#\s*/g, ' ')).toBe(PRESET_NAMES.join(', '));
  });
});
