import { describe, expect, it } from 'vitest';
import { splitCommandLine, agentCommand, withPromptFile } from '../../src/agents/cli-command.js';
import { buildPrompt } from '../../src/agents/prompt.js';
import { parsePrompt } from '../../src/agents/scripted.js';
import { DEFAULT_CONFIG } from '../../src/store/config.js';
import type { Agent, Message } from '../../src/core/types.js';
import { UsageError } from '../../src/errors.js';

describe('agent command lines', () => {
  it('splits words and quotes like a shell, without expanding anything', () => {
    expect(splitCommandLine(`aider --yes --message-file {prompt_file}`)).toEqual(['aider', '--yes', '--message-file', '{prompt_file}']);
    expect(splitCommandLine(`sh -c "cat >> 'x y'" a\\ b`)).toEqual(['sh', '-c', "cat >> 'x y'", 'a b']);
    expect(splitCommandLine('echo $(touch x) `id` $HOME')).toEqual(['echo', '$(touch', 'x)', '`id`', '$HOME']);
    expect(() => splitCommandLine('claude "unterminated')).toThrow(UsageError);
  });

  it('resolves presets, town.yml entries and {prompt_file}', () => {
    expect(agentCommand(DEFAULT_CONFIG, 'claude').argv).toEqual(['claude', '--print', '--output-format', 'json', '--allowedTools', 'Bash,Edit,Write,mcp__tinytown']);
    const aider = agentCommand(DEFAULT_CONFIG, 'aider');
    expect(aider.promptInFile).toBe(true);
    expect(withPromptFile(aider, '/tmp/p.md')).toContain('/tmp/p.md');
    expect(agentCommand({ ...DEFAULT_CONFIG, clis: { mine: 'my-agent --go' } }, 'mine').argv).toEqual(['my-agent', '--go']);
    expect(agentCommand(DEFAULT_CONFIG, 'scripted').argv.slice(-1)).toEqual(['scripted-agent']);
    expect(() => agentCommand(DEFAULT_CONFIG, 'nope')).toThrow(/unknown agent CLI "nope"/);
  });
});

describe('prompts', () => {
  const agent: Agent = { name: 'backend', role: 'worker', cli: 'scripted', nickname: null, parent: 'conductor', created: '2026-11-25T21:20:00.000Z', body: 'Do good work.\n', extra: {} };
  const message = (id: string, type: Message['type'], body: string, urgent = false): Message => ({
    id, from: 'conductor', to: 'backend', type, task: type === 'task_assign' ? 't-7k2m9q' : null, urgent,
    created: '2026-11-25T21:20:00.000Z', reply_to: null, kind: null, body, extra: {},
  });

  it('shows actionable messages whole, folds info and acks, and reads back for the scripted agent', () => {
    const prompt = buildPrompt({
      town: 'shop', agent, round: 2, task: undefined,
      messages: [
        message('20261125T212000001Z-aaaaaa', 'task_assign', 'Build the API\n\nwith tests', true),
        message('20261125T212000002Z-aaaaaa', 'info', 'FYI the staging DB moved'),
        message('20261125T212000003Z-aaaaaa', 'query', 'Which port?'),
      ],
    });
    expect(prompt).toContain('You are **backend**, the worker of the Tinytown town "shop". This is round 2.');
    expect(prompt).toContain('Do good work.');
    expect(prompt).toContain('- conductor (info): FYI the staging DB moved');
    const parsed = parsePrompt(prompt);
    expect(parsed).toMatchObject({ agent: 'backend', role: 'worker' });
    expect(parsed.messages).toEqual([
      { id: '20261125T212000001Z-aaaaaa', type: 'task_assign', from: 'conductor', task: 't-7k2m9q', body: 'Build the API\n\nwith tests' },
      { id: '20261125T212000003Z-aaaaaa', type: 'query', from: 'conductor', task: null, body: 'Which port?' },
    ]);
  });
});
