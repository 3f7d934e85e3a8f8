/**
 * The Anthropic mock, proved with the real Claude Code: run exactly as tt's
 * `claude` preset runs it (its command line, the prompt on stdin), as root and
 * as an unprivileged user, in a temporary git repository, against the mock on
 * 127.0.0.1 — once through its shell tool, once through the tinytown MCP server.
 *
 * The binary: $TT_AGENTS_CLAUDE, else the suite's pinned Claude Code from its
 * cache (install-clis.ts). The unprivileged runs need that binary and tt to be
 * readable by that user; where they are not (a cache under /root), they are
 * skipped saying so — town.test.ts runs Claude Code as that user from a readable copy.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseClaudeJson } from '../../src/core/cli-output.js';
import { PRESETS } from '../../src/core/presets.js';
import { git, tempRepo } from '../helpers/repo.js';
import { TT_BIN, tt } from '../helpers/tt.js';
import { ensureAgentCli, PINNED_CLIS } from './install-clis.js';
import { MOCK_USAGE, startAnthropicMock, type AnthropicMock } from './mocks/anthropic.js';
import type { AgentStep, Brain, Conversation } from './protocol.js';

let CLAUDE = process.env.TT_AGENTS_CLAUDE ?? '';
/** The user `nobody`: what an unprivileged agent sandbox runs as. */
const NOBODY = 65534;
const IS_ROOT = process.getuid?.() === 0;
/** The Claude Code this file proves the mock against (the suite's pinned version). */
const CLAUDE_VERSION = PINNED_CLIS.claude.version;
/** A prompt like tt's: several lines, ending in a newline, which must reach the brain as written. */
const PROMPT = 'You are backend, a worker in the town "demo".\nTask T-1: write made.txt.\nWhen done, say so.\n';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface ClaudeRun { readonly code: number | null; readonly stdout: string; readonly stderr: string }

/** A brain that records every conversation it was shown, then plays `steps` in order, one per result so far. */
function scripted(seen: Conversation[], steps: readonly AgentStep[]): Brain {
  return (conversation) => {
    seen.push(conversation);
    return steps[Math.min(conversation.results.length, steps.length - 1)]!;
  };
}

async function mockFor(brain: Brain): Promise<AnthropicMock> {
  const mock = await startAnthropicMock(brain);
  cleanups.push(() => mock.close());
  return mock;
}

/** A fresh HOME for one run (Claude Code keeps settings, sessions and onboarding state there), owned by `uid`. */
function freshHome(uid: number): string {
  const home = mkdtempSync(path.join(tmpdir(), 'tt-claude-home-'));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  writeFileSync(path.join(home, 'gitconfig'), '');
  if (uid !== process.getuid?.()) chownTree(home, uid);
  return home;
}

function chownTree(dir: string, uid: number): void {
  chownSync(dir, uid, uid);
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    chownSync(path.join(entry.parentPath, entry.name), uid, uid);
  }
}

/** Skips a run as `nobody` that could not even start: that user cannot read Claude Code or tt where they are. */
function skipUnlessNobodyCanRun(skip: (note: string) => void): void {
  const readable = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--', 'test', '-r', CLAUDE, '-a', '-r', TT_BIN]).status === 0;
  if (!readable) skip(`the unprivileged user cannot read ${CLAUDE} or ${TT_BIN} (town.test.ts runs Claude Code as that user from a readable copy)`);
}

/** Claude Code as tt's `claude` preset runs it, the prompt on stdin; as `uid` through setpriv when that is not us. */
function runClaude(cwd: string, mock: AnthropicMock, options: { extraArgs?: readonly string[]; uid?: number; env?: Record<string, string> } = {}): Promise<ClaudeRun> {
  const uid = options.uid ?? process.getuid?.() ?? 0;
  const home = freshHome(uid);
  const [, ...flags] = PRESETS.claude.command.split(/\s+/);
  const argv = [CLAUDE, ...flags, ...(options.extraArgs ?? [])];
  const [program, ...args] = uid === process.getuid?.() ? argv : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', ...argv];
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    ANTHROPIC_BASE_URL: mock.url,
    ANTHROPIC_API_KEY: 'sk-ant-mock',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: path.join(home, 'gitconfig'),
    ...options.env,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(program!, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(PROMPT);
  });
}

/** MOCK_USAGE summed over `answers` answers, as Claude Code's result reports it. */
function usageTimes(answers: number): Record<keyof typeof MOCK_USAGE, number> {
  return {
    input_tokens: MOCK_USAGE.input_tokens * answers,
    output_tokens: MOCK_USAGE.output_tokens * answers,
    cache_creation_input_tokens: MOCK_USAGE.cache_creation_input_tokens * answers,
    cache_read_input_tokens: MOCK_USAGE.cache_read_input_tokens * answers,
  };
}

/** Claude Code's `--output-format json` result, after checking the run succeeded. */
function resultOf(run: ClaudeRun): Record<string, unknown> {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

describe('the Anthropic mock driving the real Claude Code', () => {
  beforeAll(async () => {
    if (!CLAUDE) {
      const installed = await ensureAgentCli('claude');
      if (installed.skipped !== undefined) throw new Error(installed.skipped);
      CLAUDE = path.join(installed.binDir, 'claude');
    }
    let version = '';
    try {
      version = execFileSync(CLAUDE, ['--version'], { encoding: 'utf8', env: { ...process.env, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' } });
    } catch (error) {
      throw new Error(`Claude Code not found as "${CLAUDE}": install @anthropic-ai/claude-code@${CLAUDE_VERSION} outside the project and set TT_AGENTS_CLAUDE to its bin/claude (${String(error)})`);
    }
    expect(version).toContain(CLAUDE_VERSION);
  });

  const write: AgentStep = { kind: 'shell', command: "printf 'made by claude\\n' > made.txt && echo written" };
  const finish: AgentStep = { kind: 'done', text: 'done: made.txt' };

  async function shellRound(uid?: number): Promise<void> {
    const repo = tempRepo();
    if (uid !== undefined) chownTree(repo, uid);
    const seen: Conversation[] = [];
    const mock = await mockFor(scripted(seen, [write, finish]));

    const claude = await runClaude(repo, mock, uid === undefined ? {} : { uid });
    const result = resultOf(claude);

    expect(readFileSync(path.join(repo, 'made.txt'), 'utf8')).toBe('made by claude\n');
    expect(seen.map((conversation) => conversation.prompt)).toEqual([PROMPT, PROMPT]);
    expect(seen[0]!.tools).toContain('Bash');
    expect(seen[1]!.results).toEqual([{ step: write, output: 'written' }]);
    // The agent conversation is all Claude Code sent: two turns, nothing else.
    expect(mock.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['POST /v1/messages?beta=true', 'POST /v1/messages?beta=true']);
    expect(result).toMatchObject({ type: 'result', subtype: 'success', is_error: false, result: 'done: made.txt', num_turns: 2, usage: usageTimes(2) });
    expect(result.total_cost_usd).toBeGreaterThan(0);
    // What tt records for the round.
    const totals = usageTimes(2);
    expect(parseClaudeJson(claude.stdout)).toEqual({
      text: 'done: made.txt',
      usage: {
        input_tokens: totals.input_tokens + totals.cache_creation_input_tokens + totals.cache_read_input_tokens,
        output_tokens: totals.output_tokens,
        cache_tokens: totals.cache_read_input_tokens,
        cost_usd: result.total_cost_usd,
      },
    });
  }

  it('runs the shell command the brain chose, then reports the usage the mock sent (as root as the preset is)', async () => {
    await shellRound();
  });

  it.runIf(IS_ROOT)('does the same as an unprivileged user (setpriv)', async (context) => {
    skipUnlessNobodyCanRun(context.skip);
    await shellRound(NOBODY);
  });

  it('reports a failed command to the brain with its exit code', async () => {
    const repo = tempRepo();
    const seen: Conversation[] = [];
    const fail: AgentStep = { kind: 'shell', command: 'echo out; echo err >&2; exit 3' };
    const mock = await mockFor(scripted(seen, [fail, finish]));
    resultOf(await runClaude(repo, mock));
    expect(seen[1]!.results).toEqual([{ step: fail, output: 'Exit code 3\nout\nerr' }]);
  });

  it('calls an MCP tool Claude Code does not offer (no MCP server configured) as it is: the brain sees the error, no search loop', async () => {
    const repo = tempRepo();
    const seen: Conversation[] = [];
    const send: AgentStep = { kind: 'mcp', tool: 'send', args: { to: 'conductor', message: 'nobody hears this' } };
    const mock = await mockFor(scripted(seen, [send, finish]));
    const result = resultOf(await runClaude(repo, mock));
    expect(seen.map((conversation) => conversation.results.length)).toEqual([0, 1]);
    expect(seen[1]!.results[0]!.step).toEqual(send);
    expect(seen[1]!.results[0]!.output).toMatch(/mcp__tinytown__send/);
    expect(result).toMatchObject({ subtype: 'success', num_turns: 2 });
  });

  it('waits, through ToolSearch, for a tinytown server still connecting when the round starts', async () => {
    const repo = tempRepo();
    expect((await tt(repo, ['init'])).code).toBe(0);
    // Claude Code sends its first request without waiting for MCP servers; a loaded machine starts `tt mcp` late.
    const slow = { mcpServers: { tinytown: { command: 'sh', args: ['-c', `sleep 4; exec "${process.execPath}" "${TT_BIN}" mcp`] } } };
    writeFileSync(path.join(repo, '.mcp.json'), JSON.stringify(slow));
    const send: AgentStep = { kind: 'mcp', tool: 'send', args: { to: 'conductor', message: 'late but there' } };
    const seen: Conversation[] = [];
    const mock = await mockFor(scripted(seen, [send, { kind: 'done', text: 'sent' }]));

    const result = resultOf(await runClaude(repo, mock));

    expect(seen[0]!.tools.filter((tool) => tool.startsWith('mcp__'))).toEqual([]);
    expect(seen.map((conversation) => conversation.results.length)).toEqual([0, 0, 1]);
    expect(seen[2]!.results[0]!.output).toContain('"kind": "message"');
    expect(git(repo, 'log', '-1', '--format=%s').trim()).toBe('tt(conductor): send to conductor: late but there');
    expect(result).toMatchObject({ subtype: 'success', result: 'sent', num_turns: 3 });
  });

  /** How the MCP config reaches Claude Code: its extra arguments, once the JSON is written for it. */
  type Configure = (repo: string, config: string) => string[];
  const byFlag: Configure = (_repo, config) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tt-mcp-config-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, 'mcp.json'), config);
    return ['--mcp-config', path.join(dir, 'mcp.json')];
  };
  const byProjectFile: Configure = (repo, config) => {
    writeFileSync(path.join(repo, '.mcp.json'), config);
    return [];
  };
  const mcpCases: Array<{ how: string; configure: Configure; uid?: number }> = [
    { how: '--mcp-config', configure: byFlag },
    { how: '.mcp.json', configure: byProjectFile },
    ...(IS_ROOT ? [{ how: '.mcp.json, as an unprivileged user', configure: byProjectFile, uid: NOBODY }] : []),
  ];

  describe.each(mcpCases)('with the tinytown MCP server from $how', ({ configure, uid }) => {
    it('calls tinytown tools (loading them through one ToolSearch first) and the tools run', async (context) => {
      if (uid !== undefined) skipUnlessNobodyCanRun(context.skip);
      const repo = tempRepo();
      expect((await tt(repo, ['init'])).code).toBe(0);
      const printed = await tt(repo, ['mcp', '--print-config', 'claude']);
      const config = /^\{[\s\S]*^\}/m.exec(printed.stdout)?.[0];
      expect(config, printed.stdout).toBeDefined();
      const extraArgs = configure(repo, config!);
      if (uid !== undefined) chownTree(repo, uid);
      const status: AgentStep = { kind: 'mcp', tool: 'status', args: {} };
      const send: AgentStep = { kind: 'mcp', tool: 'send', args: { to: 'conductor', message: 'hello from Claude Code' } };
      const seen: Conversation[] = [];
      const mock = await mockFor(scripted(seen, [status, send, { kind: 'done', text: 'sent' }]));

      // Claude Code waits for MCP servers before its first request only when told to (the test above plays the other case).
      const result = resultOf(await runClaude(repo, mock, { extraArgs, env: { MCP_CONNECTION_NONBLOCKING: 'false' }, ...(uid === undefined ? {} : { uid }) }));

      // The tools ran: status answered with the town, the message is in the conductor's inbox, committed by tt.
      const inbox = path.join(repo, '.tinytown', 'inbox', 'conductor');
      const files = readdirSync(inbox);
      expect(files).toHaveLength(1);
      expect(readFileSync(path.join(inbox, files[0]!), 'utf8')).toContain('hello from Claude Code');
      // (safe.directory: the repository may belong to the unprivileged user, and git refuses it to root otherwise.)
      expect(git(repo, '-c', 'safe.directory=*', 'log', '-1', '--format=%s').trim()).toBe('tt(conductor): send to conductor: hello from Claude Code');
      // The MCP tools are offered deferred; the brain sees their names either way.
      expect(seen[0]!.tools).toContain('mcp__tinytown__send');
      // Four turns — one ToolSearch loading every tinytown tool, the two calls, the answer — the brain saw all but the search.
      expect(seen.map((conversation) => conversation.results.length)).toEqual([0, 0, 1, 2]);
      const [statusResult, sendResult] = seen[3]!.results;
      expect(statusResult!.step).toEqual(status);
      expect(statusResult!.output).toContain('"kind": "status"');
      expect(sendResult!.step).toEqual(send);
      expect(sendResult!.output).toContain('"kind": "message"');
      expect(result).toMatchObject({ subtype: 'success', result: 'sent', num_turns: 4, usage: usageTimes(4), permission_denials: [] });
    });
  });
});

describe('the Anthropic mock on its own (what Claude Code 2.1.332 does not ask, answered all the same)', () => {
  const conversation = { role: 'user', content: [{ type: 'text', text: '<system-reminder>\ncontext\n</system-reminder>' }, { type: 'text', text: 'the prompt' }] };
  const tools = [{ name: 'Bash', input_schema: {} }];

  async function post(mock: AnthropicMock, route: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(mock.url + route, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, json: await response.json() as Record<string, unknown> };
  }

  it('answers a request without `stream` with the whole message as JSON, usage included', async () => {
    const seen: Conversation[] = [];
    const mock = await mockFor(scripted(seen, [{ kind: 'shell', command: 'ls' }]));
    const { status, json } = await post(mock, '/v1/messages', { model: 'claude-x', messages: [conversation], tools });
    expect(status).toBe(200);
    expect(json).toMatchObject({ type: 'message', role: 'assistant', model: 'claude-x', stop_reason: 'tool_use', usage: MOCK_USAGE });
    expect(json.content).toEqual([{ type: 'tool_use', id: 'toolu_mock_1', name: 'Bash', input: { command: 'ls', description: 'Run a command for the task' } }]);
    expect(seen).toEqual([{ prompt: 'the prompt', results: [], tools: ['Bash'] }]);
  });

  it('keeps side requests (no Bash offered) from the brain, and answers count_tokens and unknown paths', async () => {
    const seen: Conversation[] = [];
    const mock = await mockFor(scripted(seen, [{ kind: 'done', text: 'never' }]));
    expect((await post(mock, '/v1/messages', { model: 'claude-small', messages: [conversation] })).json).toMatchObject({ content: [{ type: 'text', text: 'OK' }], stop_reason: 'end_turn' });
    expect((await post(mock, '/v1/messages/count_tokens', { messages: [conversation] })).json.input_tokens).toBeGreaterThan(0);
    expect(await post(mock, '/v1/other', {})).toMatchObject({ status: 404, json: { type: 'error', error: { type: 'not_found_error' } } });
    expect(seen).toEqual([]);
    expect(mock.requests.map((request) => request.path)).toEqual(['/v1/messages', '/v1/messages/count_tokens', '/v1/other']);
    expect(mock.messageAnswers()).toBe(1);
  });
});
