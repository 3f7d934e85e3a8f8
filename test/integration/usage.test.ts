/**
 * Usage and cost (issue 18 item 4, DESIGN §7): a real agent loop runs a fake
 * `claude` (a shell script answering as Claude Code's `--output-format json`
 * does) and records what it reported on the task and in the agent's run-time
 * state; a command that reports nothing records rounds only.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git, tempRepo } from '../helpers/repo.js';
import { tt, ttProcess } from '../helpers/tt.js';
import { waitFor } from '../helpers/wait.js';
import { readAgentRuntime, runtimePaths } from '../../src/store/runtime.js';

const towns: string[] = [];
afterEach(async () => {
  for (const dir of towns.splice(0)) await ttProcess(dir, ['stop']);
});

async function town(): Promise<string> {
  const dir = tempRepo();
  towns.push(dir);
  expect((await tt(dir, ['init'])).code).toBe(0);
  return dir;
}

/** Reads the prompt on stdin and sets $id to the task id of its first message that names one. */
const READ_TASK_ID = `id=$(sed -n 's/^### Message .* task \\(t-[a-z0-9]*\\)$/\\1/p' | head -n 1)`;

/** What Claude Code prints at the end of a `--print --output-format json` round (test/fixtures/usage/claude.json, shortened). */
const CLAUDE_RESULT = JSON.stringify({
  type: 'result', subtype: 'success', is_error: false, num_turns: 3,
  result: 'Started the task and told nobody yet.', session_id: 's-1', total_cost_usd: 0.0421,
  usage: { input_tokens: 300, cache_creation_input_tokens: 700, cache_read_input_tokens: 4000, output_tokens: 512 },
});

/**
 * A CLI on PATH under a preset's program name: answers --version and the help
 * tt's check reads as the real CLI does, and plays one round — starts the task
 * its prompt names, then prints `output` as the real CLI's machine-readable mode would.
 */
function fakePresetCli(dir: string, program: string, version: string, help: string, output: string): string {
  const bin = path.join(dir, '.fake-bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(path.join(bin, 'output.txt'), output);
  writeFileSync(path.join(bin, program), [
    '#!/bin/sh',
    'case "$*" in',
    `  --version) echo '${version}'; exit 0 ;;`,
    `  --help|"exec --help") printf '%s\\n' '${help}'; exit 0 ;;`,
    'esac',
    `printf '%s\\n' "$*" > ${program}-args.txt`,
    READ_TASK_ID,
    'tt task start "$id" > /dev/null',
    `cat '${path.join(bin, 'output.txt')}'`,
  ].join('\n'));
  chmodSync(path.join(bin, program), 0o755);
  return bin;
}

const fakeClaude = (dir: string) => fakePresetCli(dir, 'claude', '2.1.197 (Claude Code)',
  '  --allowedTools, --allowed-tools <tools...>\n  --output-format <format>  Output format (only works with --print)\n  -p, --print  Print response and exit',
  `${CLAUDE_RESULT}\n`);

type TaskJson = { id: string; state: string; usage: unknown };
const showTask = async (dir: string, id: string) => (await tt(dir, ['task', 'show', id, '--json'])).json<{ task: TaskJson }>().task;

describe('usage and cost of agent rounds', () => {
  it('records what a Claude-style CLI reported on the task (committed) and on the agent (tt status --deep), and logs its answer, not its JSON', async () => {
    const dir = await town();
    const bin = fakeClaude(dir);
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const spawned = await tt(dir, ['spawn', 'backend', '--cli', 'claude', '--no-start'], env);
    expect(spawned.code, spawned.stderr).toBe(0);
    const id = (await tt(dir, ['assign', 'backend', 'Build the API', '--json'])).json<{ task: { id: string } }>().task.id;
    const restarted = await tt(dir, ['restart', 'backend', '--rounds', '1'], env);
    expect(restarted.code, restarted.stderr).toBe(0);

    // The round's usage is committed after its own `task start`, then its message is marked read and the round counted.
    await waitFor(() => readAgentRuntime(dir, 'backend').rounds === 1, { timeoutMs: 60_000, what: 'one round that acted' });
    const usage = (await showTask(dir, id)).usage;
    expect(readFileSync(path.join(dir, 'claude-args.txt'), 'utf8').trim()).toBe('--print --output-format json --allowedTools Bash,Edit,Write,mcp__tinytown');
    expect(usage).toEqual({ rounds: 1, input_tokens: 300 + 700 + 4000, output_tokens: 512, cost_usd: 0.0421 });
    expect((await showTask(dir, id)).state).toBe('running');
    const file = readFileSync(path.join(dir, '.tinytown/tasks', `${id}.md`), 'utf8');
    expect(file).toMatch(/\nreviewed_commit: null\n(?:[a-z_]+: .*\n)*usage: \{"rounds":1,"input_tokens":5000,"output_tokens":512,"cost_usd":0.0421\}\n/);
    expect(git(dir, 'status', '--porcelain', '.tinytown').trim()).toBe('');
    const history = (await tt(dir, ['history', '--task', id, '--json'])).json<{ events: Array<{ action: string; agent: string; summary: string }> }>().events;
    expect(history[0]).toMatchObject({ action: 'usage', agent: 'backend' });
    expect(history[0]!.summary).toContain('1 round · 5,000 tokens in · 512 out · $0.0421');
    expect(history.map((event) => event.action)).toEqual(['usage', 'start', 'assign']);

    const agentUsage = { rounds: 1, input_tokens: 5000, output_tokens: 512, cache_tokens: 4000, cost_usd: 0.0421 };
    const status = (await tt(dir, ['status', '--deep', '--json'])).json<{ agents: Array<{ name: string; runtime?: { usage: unknown } }>; open_tasks: TaskJson[] }>();
    expect(status.agents.find((agent) => agent.name === 'backend')?.runtime?.usage).toEqual(agentUsage);
    expect(status.open_tasks.find((task) => task.id === id)?.usage).toEqual(usage);
    const human = await tt(dir, ['status', '--deep']);
    expect(human.stdout).toContain('usage: 1 round · 5,000 tokens in (4,000 cached) · 512 out · $0.0421');

    const log = readFileSync(runtimePaths.log(dir, 'backend'), 'utf8');
    expect(log).toContain('Started the task and told nobody yet.');
    expect(log).not.toContain('"total_cost_usd"');
    expect(log).toContain('=== usage: this round 1 round · 5,000 tokens in (4,000 cached) · 512 out · $0.0421');
  }, 90_000);

  it('reads a Codex-style JSONL stream: its messages and commands go to the log, its turns\' tokens to the task, no cost', async () => {
    const dir = await town();
    const events = [
      { type: 'thread.started', thread_id: 'th-1' },
      { type: 'turn.started' },
      { type: 'item.completed', item: { id: 'i0', type: 'command_execution', command: "bash -c 'tt task start'", aggregated_output: 'Started', exit_code: 0, status: 'completed' } },
      { type: 'item.completed', item: { id: 'i1', type: 'agent_message', text: 'Task started; on it.' } },
      { type: 'turn.completed', usage: { input_tokens: 9000, cached_input_tokens: 6000, output_tokens: 700 } },
    ];
    const bin = fakePresetCli(dir, 'codex', 'codex-cli 0.171.0', '      --json  Print events to stdout as JSONL\n  -c, --config <key=value>\n      --dangerously-bypass-approvals-and-sandbox', `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const spawned = await tt(dir, ['spawn', 'backend', '--cli', 'codex', '--no-start'], env);
    expect(spawned.code, spawned.stderr).toBe(0);
    const id = (await tt(dir, ['assign', 'backend', 'Build the API', '--json'])).json<{ task: { id: string } }>().task.id;
    expect((await tt(dir, ['restart', 'backend', '--rounds', '1'], env)).code).toBe(0);
    await waitFor(() => readAgentRuntime(dir, 'backend').rounds === 1, { timeoutMs: 60_000, what: 'one round that acted' });
    expect(readFileSync(path.join(dir, 'codex-args.txt'), 'utf8').trim()).toBe('exec --json --dangerously-bypass-approvals-and-sandbox -c allow_login_shell=false');
    expect((await showTask(dir, id)).usage).toEqual({ rounds: 1, input_tokens: 9000, output_tokens: 700, cost_usd: null });
    expect(readAgentRuntime(dir, 'backend').usage).toEqual({ rounds: 1, input_tokens: 9000, output_tokens: 700, cache_tokens: 6000, cost_usd: null });
    const log = readFileSync(runtimePaths.log(dir, 'backend'), 'utf8');
    expect(log).toContain("$ bash -c 'tt task start' (exit 0)\nTask started; on it.\n");
    expect(log).not.toContain('thread.started');
  }, 90_000);

  it('records rounds only for a command that reports nothing, and sums rounds on the task', async () => {
    const dir = await town();
    const quiet = `sh -c '${READ_TASK_ID.replace(/'/g, "'\\''")}; tt task start "$id" > /dev/null 2>&1; tt inbox > /dev/null; echo plain words'`;
    expect((await tt(dir, ['config', 'clis.quiet', quiet])).code).toBe(0);
    expect((await tt(dir, ['spawn', 'backend', '--cli', 'quiet', '--no-start'])).code).toBe(0);
    const id = (await tt(dir, ['assign', 'backend', 'Build the API', '--json'])).json<{ task: { id: string } }>().task.id;
    expect((await tt(dir, ['restart', 'backend', '--rounds', '2'])).code).toBe(0);
    await waitFor(async () => (await showTask(dir, id)).usage !== null, { timeoutMs: 60_000, intervalMs: 200, what: 'the first round recorded' });
    // A second round on the same task: new mail wakes the loop.
    await tt(dir, ['send', 'backend', 'one more thing', '--task', id]);
    const usage = await waitFor(async () => {
      const current = (await showTask(dir, id)).usage as { rounds: number } | null;
      return current?.rounds === 2 && current;
    }, { timeoutMs: 60_000, intervalMs: 200, what: 'the second round recorded' });
    expect(usage).toEqual({ rounds: 2, input_tokens: null, output_tokens: null, cost_usd: null });
    await waitFor(() => readAgentRuntime(dir, 'backend').usage?.rounds === 2, { timeoutMs: 30_000, what: 'the agent\'s usage' });
    expect(readAgentRuntime(dir, 'backend').usage).toEqual({ rounds: 2, input_tokens: null, output_tokens: null, cache_tokens: null, cost_usd: null });
    expect(readFileSync(runtimePaths.log(dir, 'backend'), 'utf8')).toContain('plain words');
    expect((await tt(dir, ['task', 'show', id])).stdout).toContain('usage:     2 rounds · no usage reported by the CLI');
  }, 90_000);
});
