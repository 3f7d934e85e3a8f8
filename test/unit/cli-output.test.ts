import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { addRoundUsage, parseClaudeJson, parseCliOutput, parseCodexEvent, parseCodexJsonl, parseGeminiJson } from '../../src/core/cli-output.js';
import { addToTaskUsage } from '../../src/core/usage.js';
import { PRESETS, PRESET_NAMES, findPreset } from '../../src/core/presets.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/usage');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');

describe('Claude Code --output-format json', () => {
  it('logs the result text and reports all input (uncached, cache writes, cache reads), output, cache reads and the cost', () => {
    expect(parseClaudeJson(fixture('claude.json'))).toEqual({
      text: 'Started t-7k2m9q, added the /health endpoint with a test, committed it and handed it to reviewer with tt review.',
      usage: { input_tokens: 412 + 9120 + 48230, output_tokens: 1875, cache_tokens: 48230, cost_usd: 0.0831245 },
    });
  });

  it('says when the round ended in an error, and still counts what it cost', () => {
    expect(parseClaudeJson(fixture('claude-max-turns.json'))).toEqual({
      text: '(claude: error_max_turns, is_error)',
      usage: { input_tokens: 2010 + 190400, output_tokens: 6120, cache_tokens: 190400, cost_usd: 0.41 },
    });
  });

  it('passes output that is not its JSON through as printed, reporting nothing', () => {
    expect(parseClaudeJson('Done: started the task.\n')).toEqual({ text: 'Done: started the task.\n', usage: null });
    expect(parseClaudeJson('{"type":"assistant"}')).toEqual({ text: '{"type":"assistant"}', usage: null });
    // A warning line before the object does not hide it.
    expect(parseClaudeJson(`warning: something\n${fixture('claude.json')}`).usage?.cost_usd).toBe(0.0831245);
  });
});

describe('Codex exec --json', () => {
  it('logs agent messages and commands with their exit codes, and sums turn.completed usage', () => {
    expect(parseCodexJsonl(fixture('codex.jsonl'))).toEqual({
      text: [
        "$ /bin/bash -c 'tt task start t-7k2m9q' (exit 0)",
        "$ /bin/bash -c 'npm test' (exit 1)",
        'Fixed the failing test and handed t-7k2m9q to reviewer.',
      ].join('\n'),
      usage: { input_tokens: 26549, output_tokens: 1590, cache_tokens: 22272, cost_usd: null },
    });
  });

  it('logs a failed turn and reports no usage for it', () => {
    expect(parseCodexJsonl(fixture('codex-failed.jsonl'))).toEqual({
      text: '(codex error: Reconnecting... 1/5)\n(codex turn.failed: stream disconnected before completion)',
      usage: null,
    });
  });

  it('reads one line at a time (the loop streams them), keeping a line that is not an event', () => {
    // MCP tool calls as Codex 0.171.0 reports them: the log shows each, and why one failed.
    const mcpCall = (status: string, text: string) => JSON.stringify({ type: 'item.completed', item: { id: 'item_0', type: 'mcp_tool_call', server: 'tinytown', tool: 'task_start', arguments: { id: 't-1' }, result: { content: [{ type: 'text', text }], structured_content: null }, error: null, status } });
    expect(parseCodexEvent(mcpCall('completed', '{"schemaVersion": 1}'))).toEqual({ text: 'mcp tinytown.task_start' });
    expect(parseCodexEvent(mcpCall('failed', 'no task matches "t-1" (tt task list shows the tasks)\nmore'))).toEqual({ text: 'mcp tinytown.task_start (failed: no task matches "t-1" (tt task list shows the tasks))' });
    expect(parseCodexEvent('{"type":"turn.started"}')).toEqual({});
    expect(parseCodexEvent('')).toEqual({});
    expect(parseCodexEvent('Reading prompt from stdin...')).toEqual({ text: 'Reading prompt from stdin...' });
    const twoTurns = '{"type":"turn.completed","usage":{"input_tokens":10,"cached_input_tokens":4,"output_tokens":3}}\n'.repeat(2);
    expect(parseCodexJsonl(twoTurns).usage).toEqual({ input_tokens: 20, output_tokens: 6, cache_tokens: 8, cost_usd: null });
  });
});

describe('Gemini CLI --output-format json', () => {
  it('logs the response and sums every model\'s prompt (cached included), candidates plus thoughts, and cached tokens', () => {
    expect(parseGeminiJson(fixture('gemini.json'))).toEqual({
      text: 'I started t-7k2m9q, wrote the endpoint and handed it to reviewer.',
      usage: { input_tokens: 830 + 24939, output_tokens: 12 + 420 + 154, cache_tokens: 21263, cost_usd: null },
    });
  });

  it('logs an error object and reports no usage', () => {
    expect(parseGeminiJson(fixture('gemini-error.json'))).toEqual({ text: '(gemini error: Reached max session turns for this session.)', usage: null });
    expect(parseGeminiJson('Loaded cached credentials.\nplain text answer')).toEqual({ text: 'Loaded cached credentials.\nplain text answer', usage: null });
  });
});

describe('usage sums', () => {
  it('adds rounds: tokens add up, a cost is known once one round reported one', () => {
    const codex = { input_tokens: 100, output_tokens: 10, cache_tokens: 50, cost_usd: null };
    const claude = { input_tokens: 1, output_tokens: 2, cache_tokens: 0, cost_usd: 0.1 };
    expect(addRoundUsage(null, null)).toBeNull();
    expect(addRoundUsage(codex, null)).toEqual(codex);
    expect(addRoundUsage(codex, codex)).toEqual({ input_tokens: 200, output_tokens: 20, cache_tokens: 100, cost_usd: null });
    expect(addRoundUsage(addRoundUsage(claude, codex), { ...claude, cost_usd: 0.2 })?.cost_usd).toBe(0.3);
  });

  it('adds a round to a task\'s usage: a round that reported nothing counts as a round only', () => {
    const once = addToTaskUsage(null, null);
    expect(once).toEqual({ rounds: 1, input_tokens: null, output_tokens: null, cost_usd: null });
    const twice = addToTaskUsage(once, { input_tokens: 1000, output_tokens: 20, cache_tokens: 900, cost_usd: 0.0123456789 });
    expect(twice).toEqual({ rounds: 2, input_tokens: 1000, output_tokens: 20, cost_usd: 0.012346 });
    expect(addToTaskUsage(twice, { input_tokens: 5, output_tokens: 5, cache_tokens: 0, cost_usd: null })).toEqual({ rounds: 3, input_tokens: 1005, output_tokens: 25, cost_usd: 0.012346 });
  });
});

describe('the presets run their CLIs in the machine-readable mode they parse', () => {
  it.each([
    ['claude', 'claude-json', '--output-format json'],
    ['codex', 'codex-jsonl', 'exec --json'],
    ['codex-mini', 'codex-jsonl', 'exec --json'],
    ['gemini', 'gemini-json', '--output-format json'],
  ] as const)('%s: %s, with %s on its command line', (name, format, flags) => {
    expect(findPreset(name)?.output).toBe(format);
    expect(PRESETS[name].command).toContain(flags);
  });

  it('names no format for the CLIs it has none for', () => {
    expect(PRESET_NAMES.filter((name) => findPreset(name)?.output !== undefined).sort()).toEqual(['claude', 'codex', 'codex-mini', 'gemini']);
    expect(parseCliOutput('claude-json', 'not json').usage).toBeNull();
  });
});
