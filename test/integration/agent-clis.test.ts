/**
 * Agent CLIs as tt meets them (issue 18): the check at spawn, the environment
 * a round gets (tt's own bin/ first on PATH, a preset's additions), and rounds
 * that exit 0 without acting — with small fake CLIs (shell scripts) standing in
 * for the real ones, and the built-in scripted agent.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { treeSnapshot } from '../helpers/repo.js';
import { REPO_ROOT, TT_BIN, tt } from '../helpers/tt.js';
import { waitFor } from '../helpers/wait.js';
import { readAgentRuntime, runtimePaths } from '../../src/store/runtime.js';
import { agentCommand } from '../../src/agents/cli-command.js';
import { checkAgentCli } from '../../src/agents/cli-check.js';
import { readRoundLedger, ROUND_ENV } from '../../src/agents/round-ledger.js';
import { callTool, TOOLS } from '../../src/mcp/tools.js';
import { DEFAULT_CONFIG } from '../../src/store/config.js';
import { useAgentTowns } from '../helpers/agent-towns.js';

/** Towns whose agents are stopped after each test, whatever happens in it. */
const town = useAgentTowns();

/** A folder of executable shell scripts, each standing in for a CLI. */
function fakeBin(dir: string, scripts: Record<string, string>): string {
  const bin = path.join(dir, '.fake-bin');
  mkdirSync(bin, { recursive: true });
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  }
  return bin;
}

/** Answers --version and --help as the real CLI does (the lines tt's check reads), else runs `round`. */
function fakeCli(version: string, help: string, round = 'cat > /dev/null'): string {
  return `case "$*" in\n  --version) echo '${version}'; exit 0 ;;\n  --help|"exec --help") printf '%s\\n' '${help}'; exit 0 ;;\nesac\n${round}`;
}

const CLAUDE_HELP = '  --allowedTools, --allowed-tools <tools...>\n  --output-format <format>  Output format (only works with --print)\n  -p, --print  Print response and exit';
const GEMINI_HELP = '  -o, --output-format  The format of the CLI output.\n  -y, --yolo  Automatically accept all actions';

/** The PATH without any folder holding a `tt`: the agent's `tt` can only come from the loop. */
function pathWithoutTt(): string {
  return (process.env.PATH ?? '').split(path.delimiter).filter((folder) => folder && !existsSync(path.join(folder, 'tt'))).join(path.delimiter);
}

type Message = { id: string; from: string; type: string; body: string };
const unread = async (dir: string, agent: string) => (await tt(dir, ['inbox', agent, '--json'])).json<{ messages: Message[] }>().messages;
const taskState = async (dir: string, id: string) => (await tt(dir, ['task', 'show', id, '--json'])).json<{ task: { state: string } }>().task.state;

describe('tt spawn checks the agent CLI before its first round', () => {
  it('refuses a CLI whose help does not list a flag of the command line, with the fix, and writes nothing', async () => {
    const dir = await town();
    const bin = fakeBin(dir, { codex: fakeCli('codex-cli 0.1.0', '  --dangerously-bypass-approvals-and-sandbox  Skip all confirmation prompts') });
    const before = treeSnapshot(dir);
    const run = await tt(dir, ['spawn', 'backend', '--cli', 'codex'], { PATH: `${bin}:${process.env.PATH}` });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('the codex CLI 0.1.0 does not accept the command line');
    expect(run.stderr).toContain('"codex exec --help" does not list --json, -c');
    expect(run.stderr).toContain('Fix: npm install -g @openai/codex@0.171.0');
    expect(treeSnapshot(dir)).toBe(before);
  });

  it('refuses a CLI that does not run, quoting what it printed', async () => {
    const dir = await town();
    const bin = fakeBin(dir, { gemini: 'echo "Error: cannot find module ./dist/index.js" >&2; exit 3' });
    const run = await tt(dir, ['spawn', 'backend', '--cli', 'gemini'], { PATH: `${bin}:${process.env.PATH}` });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('the gemini CLI does not run: "gemini --version" exited 3: Error: cannot find module ./dist/index.js');
    expect(run.stderr).toContain('npm install -g @google/gemini-cli@0.61.0');
  });

  it('refuses, as root only, a command line with the flag Claude Code refuses as root; the preset passes either way', async () => {
    const dir = await town();
    const bin = fakeBin(dir, { claude: fakeCli('2.1.197 (Claude Code)', `${CLAUDE_HELP}\n  --dangerously-skip-permissions  Bypass all permission checks`) });
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    const skipping = agentCommand({ ...DEFAULT_CONFIG, clis: { claude: 'claude --print --dangerously-skip-permissions' } }, 'claude');
    await expect(checkAgentCli(skipping, 'claude', env, { uid: 0 })).rejects.toThrow(
      'the claude CLI cannot run as root with --dangerously-skip-permissions ("--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons"). Fix: name the tools instead (--allowedTools Bash,Edit,Write,mcp__tinytown',
    );
    await expect(checkAgentCli(skipping, 'claude', env, { uid: 1000 })).resolves.toMatchObject({ version: '2.1.197' });
    await expect(checkAgentCli(agentCommand(DEFAULT_CONFIG, 'claude'), 'claude', env, { uid: 0 })).resolves.toMatchObject({ version: '2.1.197', tested: '2.1.197' });
  });

  it('starts a preset whose CLI passes; its rounds get the preset\'s environment and tt\'s own bin/ first on PATH', async () => {
    const dir = await town();
    const bin = fakeBin(dir, { gemini: fakeCli('0.61.0', GEMINI_HELP, `${READ_TASK_ID}; printf %s "$GEMINI_CLI_TRUST_WORKSPACE" > trust.txt; command -v tt > which-tt.txt; tt task start "$id"`) });
    const env = { PATH: `${bin}:${pathWithoutTt()}` };
    const spawned = await tt(dir, ['spawn', 'backend', '--cli', 'gemini'], env);
    expect(spawned.code, spawned.stderr).toBe(0);
    const id = (await tt(dir, ['assign', 'backend', 'Build it', '--json'])).json<{ task: { id: string } }>().task.id;
    await waitFor(() => readAgentRuntime(dir, 'backend').rounds === 1, { timeoutMs: 30_000, what: 'one round that acted' });
    expect(readFileSync(path.join(dir, 'trust.txt'), 'utf8')).toBe('true');
    expect(readFileSync(path.join(dir, 'which-tt.txt'), 'utf8').trim()).toBe(path.join(REPO_ROOT, 'bin', 'tt'));
    expect(await taskState(dir, id)).toBe('running');
    expect(await unread(dir, 'backend')).toEqual([]);
  }, 60_000);
});

/** Reads the prompt on stdin and sets $id to the task id of its first message that names one. */
const READ_TASK_ID = `id=$(sed -n 's/^### Message .* task \\(t-[a-z0-9]*\\)$/\\1/p' | head -n 1)`;

describe('tt on the agent\'s PATH', () => {
  it('is the tt that started the loop, run by its path with no tt on the PATH at all', async () => {
    const dir = await town();
    const bin = fakeBin(dir, { worker: `${READ_TASK_ID}; command -v tt > which-tt.txt; tt task start "$id"` });
    expect((await tt(dir, ['config', 'clis.worker', path.join(bin, 'worker')])).code).toBe(0);
    expect((await tt(dir, ['spawn', 'backend', '--cli', 'worker', '--no-start'])).code).toBe(0);
    const id = (await tt(dir, ['assign', 'backend', 'Build it', '--json'])).json<{ task: { id: string } }>().task.id;
    const launcher = path.join(REPO_ROOT, 'bin', 'tt');
    const started = await run(launcher, ['restart', 'backend', '--rounds', '1'], dir, { ...process.env, PATH: pathWithoutTt() });
    expect(started.code, started.stderr).toBe(0);
    await waitFor(() => readAgentRuntime(dir, 'backend').rounds === 1, { timeoutMs: 30_000, what: 'one round that acted' });
    expect(readFileSync(path.join(dir, 'which-tt.txt'), 'utf8').trim()).toBe(launcher);
    expect(await taskState(dir, id)).toBe('running');
  }, 60_000);
});

describe('a round counts only if the agent acted', () => {
  it('keeps the messages of a round whose tt calls all failed unread, and says why', async () => {
    const dir = await town({ failing: `sh -c 'cat > /dev/null; tt task start t-zzzzzz; exit 0'` });
    expect((await tt(dir, ['spawn', 'backend', '--cli', 'failing', '--no-start'])).code).toBe(0);
    await tt(dir, ['send', 'backend', 'start the work']);
    expect((await tt(dir, ['restart', 'backend'])).code).toBe(0);
    const reason = await waitFor(() => readAgentRuntime(dir, 'backend').reason?.startsWith('no progress') && readAgentRuntime(dir, 'backend').reason, { timeoutMs: 30_000, what: 'a round without progress' });
    expect(reason).toMatch(/^no progress: all 1 tt call failed \(tt task start \(exit \d+\)\)$/);
    expect((await unread(dir, 'backend')).map((m) => m.body.trim())).toEqual(['start the work']);
    expect(readAgentRuntime(dir, 'backend').rounds).toBe(0);
    expect(readFileSync(runtimePaths.log(dir, 'backend'), 'utf8')).toContain('=== round 1 made no progress: all 1 tt call failed');
  }, 60_000);

  it('stops in `stuck` after three rounds that exit 0 and call nothing, and tells the conductor with the log tail', async () => {
    const dir = await town({ lazy: `sh -c 'cat > /dev/null; echo "I would rather not."'` });
    expect((await tt(dir, ['spawn', 'backend', '--cli', 'lazy', '--no-start'])).code).toBe(0);
    await tt(dir, ['send', 'backend', 'please do the work']);
    expect((await tt(dir, ['restart', 'backend'])).code).toBe(0);
    await waitFor(() => readAgentRuntime(dir, 'backend').state === 'stuck', { timeoutMs: 60_000, what: 'the loop to be stuck' });
    await waitFor(() => !readAgentRuntime(dir, 'backend').alive, { timeoutMs: 30_000, what: 'the loop to end' });
    expect(readAgentRuntime(dir, 'backend')).toMatchObject({
      state: 'stuck', rounds: 0,
      reason: '3 rounds in a row without progress (last: no tt call, and 1 message asking for action left unhandled)',
    });
    expect((await unread(dir, 'backend')).map((m) => m.body.trim())).toEqual(['please do the work']);
    const told = (await unread(dir, 'conductor')).find((m) => m.from === 'backend');
    expect(told?.type).toBe('info');
    expect(told?.body).toContain('backend stopped in stuck: 3 rounds in a row without progress');
    expect(told?.body).toContain('I would rather not.');
    expect(told?.body).toContain('tt restart backend');
    const status = (await tt(dir, ['status', '--json'])).json<{ agents: Array<{ name: string; state: string }> }>();
    expect(status.agents.find((a) => a.name === 'backend')?.state).toBe('stuck');
  }, 90_000);

  it('counts a round that was shown only information as done, though it called nothing', async () => {
    const dir = await town({ lazy: `sh -c 'cat > /dev/null'` });
    expect((await tt(dir, ['spawn', 'backend', '--cli', 'lazy', '--no-start'])).code).toBe(0);
    await tt(dir, ['send', 'backend', '--info', 'the staging DB moved']);
    expect((await tt(dir, ['restart', 'backend', '--rounds', '1'])).code).toBe(0);
    await waitFor(() => readAgentRuntime(dir, 'backend').rounds === 1, { timeoutMs: 30_000, what: 'one round' });
    expect(await unread(dir, 'backend')).toEqual([]);
  }, 60_000);

  it('the scripted agent\'s tt calls land in the round\'s ledger, and the scripted agent itself does not', async () => {
    const dir = await town();
    expect((await tt(dir, ['spawn', 'backend', '--cli', 'scripted', '--no-start'])).code).toBe(0);
    const prompt = 'You are **backend**, the worker of the Tinytown town "t". This is round 1.\n\n## Your messages (1, urgent first)\n### Message 20260101T000000000Z-aaaaaa · task from conductor · task -\nsay hello\n';
    const env = { ...process.env, TINYTOWN_AGENT: 'backend', TINYTOWN_TOWN: dir, [ROUND_ENV]: 'round-token' };
    const scripted = await run(process.execPath, [TT_BIN, 'scripted-agent'], dir, env, prompt);
    expect(scripted.code, scripted.stderr).toBe(0);
    expect(readRoundLedger(dir, 'backend', 'round-token')).toEqual([expect.objectContaining({ via: 'cli', call: 'send', ok: true, exit: 0 })]);
    expect(readRoundLedger(dir, 'backend', 'another-round')).toEqual([]);
  });

  it('an MCP tool call lands in the round\'s ledger too, failed or not', async () => {
    const dir = await town();
    expect((await tt(dir, ['spawn', 'backend', '--no-start'])).code).toBe(0);
    const env = { ...process.env, TINYTOWN_AGENT: 'backend', TINYTOWN_TOWN: dir, [ROUND_ENV]: 'mcp-round' };
    const tool = (name: string) => TOOLS.find((spec) => spec.name === name)!;
    await callTool(tool('status'), {}, { cwd: dir, env });
    const failed = await callTool(tool('task_start'), { id: 't-zzzzzz' }, { cwd: dir, env });
    expect(failed.isError).toBe(true);
    expect(readRoundLedger(dir, 'backend', 'mcp-round').map(({ via, call, ok }) => ({ via, call, ok }))).toEqual([
      { via: 'mcp', call: 'status', ok: true },
      { via: 'mcp', call: 'task_start', ok: false },
    ]);
  });
});

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => { stdout += chunk; });
    child.stderr!.on('data', (chunk) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin?.end(input);
  });
}

describe('tt spawn --mcp', () => {
  it('gives a claude agent\'s rounds tinytown\'s MCP server on the command line, as recorded on the agent', async () => {
    const dir = await town();
    const help = `${CLAUDE_HELP}\n  --mcp-config <configs...>  Load MCP servers from JSON files or strings`;
    const bin = fakeBin(dir, { claude: fakeCli('2.1.197 (Claude Code)', help, `${READ_TASK_ID}; printf '%s\\n' "$@" > argv.txt; tt task start "$id"`) });
    const spawned = await tt(dir, ['spawn', 'backend', '--cli', 'claude', '--mcp', '--json'], { PATH: `${bin}:${process.env.PATH}` });
    expect(spawned.code, spawned.stderr).toBe(0);
    expect(spawned.json<{ agent: { mcp?: boolean } }>().agent.mcp).toBe(true);
    expect(readFileSync(path.join(dir, '.tinytown', 'agents', 'backend.md'), 'utf8')).toMatch(/^mcp: true$/m);
    await tt(dir, ['assign', 'backend', 'Build it']);
    await waitFor(() => readAgentRuntime(dir, 'backend').rounds === 1, { timeoutMs: 30_000, what: 'one round that acted' });
    const argv = readFileSync(path.join(dir, 'argv.txt'), 'utf8').trimEnd().split('\n');
    expect(argv.slice(0, 5)).toEqual(['--print', '--output-format', 'json', '--allowedTools', 'Bash,Edit,Write,mcp__tinytown']);
    expect(argv[5]).toBe('--mcp-config');
    const server = (JSON.parse(argv[6]!) as { mcpServers: { tinytown: { command: string; args: string[] } } }).mcpServers.tinytown;
    expect(server).toEqual({ command: 'node', args: [path.join(REPO_ROOT, 'bin', 'tt.js'), 'mcp'] });
    expect(argv).toHaveLength(7);
    // The command named there is this tt's own `tt mcp`.
    const listed = await run(process.execPath, [...server.args, '--help'], dir, process.env);
    expect(listed.code, listed.stderr).toBe(0);
  }, 60_000);

  it('gives a codex agent\'s rounds the -c overrides of the table tt mcp --print-config codex prints', async () => {
    const dir = await town();
    const help = '  -c, --config <key=value>  Override a configuration value\n  --json  Print events to stdout as JSONL\n  --dangerously-bypass-approvals-and-sandbox  Skip all confirmation prompts';
    const bin = fakeBin(dir, { codex: fakeCli('codex-cli 0.171.0', help, `${READ_TASK_ID}; printf '%s\\n' "$@" > argv.txt; tt task start "$id"`) });
    const spawned = await tt(dir, ['spawn', 'backend', '--cli', 'codex', '--mcp'], { PATH: `${bin}:${process.env.PATH}` });
    expect(spawned.code, spawned.stderr).toBe(0);
    await tt(dir, ['assign', 'backend', 'Build it']);
    await waitFor(() => readAgentRuntime(dir, 'backend').rounds === 1, { timeoutMs: 30_000, what: 'one round that acted' });
    const argv = readFileSync(path.join(dir, 'argv.txt'), 'utf8').trimEnd().split('\n');
    const table = (await tt(dir, ['mcp', '--print-config', 'codex'])).stdout.trim().split('\n').slice(1);
    const overrides = table.map((line) => line.replace(/^(\w+) = /, 'mcp_servers.tinytown.$1='));
    expect(argv).toEqual(['exec', '--json', '--dangerously-bypass-approvals-and-sandbox', '-c', 'allow_login_shell=false', ...overrides.flatMap((word) => ['-c', word])]);
    expect(overrides).toContain('mcp_servers.tinytown.required=true');
  }, 60_000);

  it('records mcp only with --mcp or town.yml agent.mcp: true, which --no-mcp overrides', async () => {
    const dir = await town();
    expect((await tt(dir, ['spawn', 'plain', '--cli', 'codex', '--no-start', '--json'])).json<{ agent: { mcp?: boolean } }>().agent.mcp).toBeUndefined();
    expect((await tt(dir, ['config', 'agent.mcp', 'true'])).code).toBe(0);
    expect((await tt(dir, ['spawn', 'withmcp', '--cli', 'codex', '--no-start', '--json'])).json<{ agent: { mcp?: boolean } }>().agent.mcp).toBe(true);
    expect((await tt(dir, ['spawn', 'optout', '--cli', 'codex', '--no-start', '--no-mcp', '--json'])).json<{ agent: { mcp?: boolean } }>().agent.mcp).toBeUndefined();
  }, 60_000);

  it('refuses a gemini agent, naming where its MCP configuration goes, and changes nothing', async () => {
    const dir = await town();
    const bin = fakeBin(dir, { gemini: fakeCli('0.61.0', GEMINI_HELP) });
    const before = treeSnapshot(dir);
    for (const start of [[], ['--no-start']]) {
      const refused = await tt(dir, ['spawn', 'backend', '--cli', 'gemini', '--mcp', ...start], { PATH: `${bin}:${process.env.PATH}` });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('tt mcp --print-config gemini');
      expect(refused.stderr).toContain('.gemini/settings.json');
      expect(treeSnapshot(dir)).toBe(before);
    }
  }, 60_000);
});
