import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeRound } from '../../src/agents/round-progress.js';
import type { LedgerEntry } from '../../src/agents/round-ledger.js';
import { stopReport } from '../../src/agents/report-to-conductor.js';
import { agentPath, ttBinDir } from '../../src/agents/cli-env.js';
import { commandFlags, flagsMissingFromHelp, parseVersion, presetForProgram, PRESETS } from '../../src/core/presets.js';

const call = (name: string, ok: boolean, via: LedgerEntry['via'] = 'cli'): LedgerEntry => ({ round: 'r', via, call: name, ok, ...(via === 'cli' ? { exit: ok ? 0 : 2 } : {}), at: '2026-01-01T00:00:00.000Z' });

describe('judging a round that exited 0', () => {
  it('is progress when any call succeeded, even after failures', () => {
    expect(judgeRound([call('task start', false), call('task_start', true, 'mcp')], [{ type: 'task_assign' }])).toEqual({ progress: true });
  });

  it('is no progress when every call failed, naming the last ones', () => {
    expect(judgeRound([call('task start', false)], [])).toEqual({ progress: false, reason: 'all 1 tt call failed (tt task start (exit 2))' });
    const many = judgeRound([call('a', false), call('b', false), call('review', false, 'mcp'), call('d', false)], []);
    expect(many).toEqual({ progress: false, reason: 'all 4 tt calls failed (…, tt b (exit 2), MCP review, tt d (exit 2))' });
  });

  it('is no progress when nothing was called and a message asked for action; information alone asks for nothing', () => {
    expect(judgeRound([], [{ type: 'info' }, { type: 'review_request' }, { type: 'query' }])).toEqual({ progress: false, reason: 'no tt call, and 2 messages asking for action left unhandled' });
    expect(judgeRound([], [{ type: 'info' }, { type: 'ack' }, { type: 'approved' }, { type: 'task_done' }, { type: 'task_failed' }])).toEqual({ progress: true });
  });

  it('tells the conductor why, where the log is, and how to go on, with its tail fenced', () => {
    const text = stopReport('backend', 'stuck', '3 rounds in a row without progress', ['one', 'a ``` fence'], '.tinytown/run/logs/backend.log');
    expect(text).toContain('backend stopped in stuck: 3 rounds in a row without progress.');
    expect(text).toContain('tt restart backend');
    expect(text).toContain("```\none\na ''' fence\n```");
  });
});

describe('checking a CLI against its help', () => {
  it('finds the flags of an argv, and those a help text does not list', () => {
    expect(commandFlags(['exec', '--model', 'm', '--dangerously-bypass-approvals-and-sandbox', '-c', 'allow_login_shell=false', '--x=1'])).toEqual(['--model', '--dangerously-bypass-approvals-and-sandbox', '-c', '--x']);
    const help = '  -c, --config <key=value>\n  -m, --model <MODEL>\n      --dangerously-bypass-approvals-and-sandbox\n          Skip all prompts';
    expect(flagsMissingFromHelp(['exec', '--model', 'm', '--dangerously-bypass-approvals-and-sandbox', '-c', 'k=v'], help)).toEqual([]);
    // A flag must stand as a word: --print is not listed by --print-config, nor -c by -cd.
    expect(flagsMissingFromHelp(['--print', '-c'], '  --print-config  x\n  -cd  y')).toEqual(['--print', '-c']);
    expect(flagsMissingFromHelp(['--allowedTools', 'Bash'], '  --allowedTools, --allowed-tools <tools...>')).toEqual([]);
  });

  it('reads the version out of each CLI\'s --version line', () => {
    expect(parseVersion('2.1.197 (Claude Code)\n')).toBe('2.1.197');
    expect(parseVersion('codex-cli 0.171.0\n')).toBe('0.171.0');
    expect(parseVersion('0.61.0\n')).toBe('0.61.0');
    expect(parseVersion('no version here')).toBeUndefined();
  });

  it('finds the preset of a program by its name, wherever it lives', () => {
    expect(presetForProgram('/opt/bin/gemini')).toBe(PRESETS.gemini);
    expect(presetForProgram('claude')).toBe(PRESETS.claude);
    expect(presetForProgram('my-agent')).toBeUndefined();
  });
});

describe('the agent\'s PATH', () => {
  it('puts tt\'s bin/ first, once, and node\'s folder last when missing', () => {
    const nodeDir = path.dirname(process.execPath);
    expect(agentPath(`/usr/bin:${ttBinDir()}:/bin`)).toBe([ttBinDir(), '/usr/bin', '/bin', ...(nodeDir === '/usr/bin' || nodeDir === '/bin' ? [] : [nodeDir])].join(':'));
    expect(agentPath(undefined).split(':')[0]).toBe(ttBinDir());
  });
});
