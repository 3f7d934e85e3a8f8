/**
 * The OpenAI Responses mock (mocks/openai-responses.ts) driving the real
 * Codex CLI, run exactly as tt's `codex` preset runs it (argv from
 * core/presets.ts, prompt on stdin), as root in a temporary git repository:
 * a shell step really runs, an MCP step really reaches `tt mcp`, and the usage
 * the mock reports is what Codex prints in `turn.completed` and tt reads.
 *
 * Needs Codex installed: TT_CODEX_BIN, else the real-CLI suite's cache (installed there when missing).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PRESETS } from '../../src/core/presets.js';
import { parseCodexJsonl } from '../../src/core/cli-output.js';
import { splitCommandLine } from '../../src/agents/cli-command.js';
import { REPO_ROOT, TT_BIN } from '../helpers/tt.js';
import { git, tempRepo } from '../helpers/repo.js';
import { ensureAgentCli } from './install-clis.js';
import type { Brain, ModelMock } from './protocol.js';
import { CODEX_API_KEY_ENV, CODEX_PLAIN_TOOLS_MODEL, MOCK_USAGE, codexConfigToml, startResponsesMock, type ResponsesMock, type ResponsesMockOptions } from './mocks/openai-responses.js';

const CODEX = process.env.TT_CODEX_BIN ?? await codexFromCache();

/** The suite's pinned Codex, installed into the CLI cache when missing (install-clis.ts). */
async function codexFromCache(): Promise<string> {
  const installed = await ensureAgentCli('codex');
  if (installed.skipped !== undefined) throw new Error(installed.skipped);
  return path.join(installed.binDir, 'codex');
}
const TT_BIN_DIR = path.join(REPO_ROOT, 'bin');
/** The unprivileged user of the last test (nobody), as `setpriv` takes it. */
const NOBODY = 65534;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function mockOf(brain: Brain, options?: ResponsesMockOptions): Promise<ResponsesMock> {
  const mock = await startResponsesMock(brain, options);
  cleanups.push(() => mock.close());
  return mock;
}

function tempDir(prefix: string): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), prefix)));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A fresh HOME and CODEX_HOME holding the config that points Codex at the mock (plus `extraToml`). */
function codexHomes(mock: ModelMock, model: string | undefined, extraToml = ''): { home: string; codexHome: string } {
  const home = tempDir('tt-codex-home-');
  const codexHome = path.join(home, '.codex');
  mkdirSync(codexHome);
  writeFileSync(path.join(codexHome, 'config.toml'), codexConfigToml(mock.url, model) + extraToml);
  return { home, codexHome };
}

interface CodexRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The codex preset's argv, with the installed binary for its program. */
function presetArgv(): string[] {
  const [, ...args] = splitCommandLine(PRESETS.codex.command);
  return [CODEX, ...args];
}

/** Runs Codex as the preset does: in `cwd`, the prompt on stdin, tt's bin first on PATH (as the agent loop puts it). */
function runCodex(cwd: string, prompt: string, env: Record<string, string>, wrapper: readonly string[] = []): Promise<CodexRun> {
  const argv = [...wrapper, ...presetArgv()];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd,
      env: { ...process.env, PATH: `${TT_BIN_DIR}:${process.env.PATH}`, [CODEX_API_KEY_ENV]: 'mock-key', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
    child.stdin.end(prompt);
  });
}

/** The usage in Codex's `turn.completed` events, as it printed them. */
function turnUsages(stdout: string): unknown[] {
  return stdout.split('\n').filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { type: string; usage?: unknown })
    .filter((event) => event.type === 'turn.completed').map((event) => event.usage);
}

/** What Codex reports for a turn of `responses` answers, each with MOCK_USAGE. */
function expectedTurnUsage(responses: number) {
  return {
    input_tokens: MOCK_USAGE.input_tokens * responses,
    cached_input_tokens: MOCK_USAGE.input_tokens_details.cached_tokens * responses,
    cache_write_input_tokens: 0,
    output_tokens: MOCK_USAGE.output_tokens * responses,
    reasoning_output_tokens: MOCK_USAGE.output_tokens_details.reasoning_tokens * responses,
  };
}

const PROMPT = 'You are **w1**, the worker of the Tinytown town "t". This is round 1.\n\nDo the task.\n';

/** Writes a file and the PATH its command saw, then finishes. */
const shellBrain: Brain = (conversation) => {
  if (conversation.results.length === 0) return { kind: 'shell', command: 'printf "%s" "$PATH" > path.txt && echo made > made.txt && cat made.txt' };
  return { kind: 'done', text: `wrote made.txt: ${conversation.results[0]!.output.includes('made') ? 'seen' : 'not seen'}` };
};

/** The PATH a command saw, without the folders Codex puts first for its own helpers (its bundled rg, its PATH aliases). */
function pathWithoutCodexHelpers(seen: string, codexHome: string): string[] {
  const codexPackage = path.dirname(path.dirname(realpathSync(CODEX)));
  return seen.split(':').filter((dir) => !dir.startsWith(codexHome) && !dir.includes('/@openai/codex') && !dir.startsWith(codexPackage));
}

/** A town in `repo` with agent w1 registered (no loop); returns the MCP table `tt mcp --print-config codex` prints. */
function initTown(repo: string): string {
  execFileSync(process.execPath, [TT_BIN, 'init'], { cwd: repo, stdio: 'ignore' });
  execFileSync(process.execPath, [TT_BIN, 'spawn', 'w1', '--no-start', '--cli', 'scripted'], { cwd: repo, stdio: 'ignore' });
  return execFileSync(process.execPath, [TT_BIN, 'mcp', '--print-config', 'codex'], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

/** The message files in an agent's inbox, as written. */
function inboxOf(repo: string, agent: string): string[] {
  const inbox = path.join(repo, '.tinytown', 'inbox', agent);
  return readdirSync(inbox).map((file) => readFileSync(path.join(inbox, file), 'utf8'));
}

/** The two ways Codex 0.171.0 offers its tools, by model (mocks/codex-wire.ts). */
const TOOL_SHAPES = [
  { shape: 'code mode (the default model: one JavaScript exec tool)', model: undefined, codeMode: true },
  { shape: `plain function tools (${CODEX_PLAIN_TOOLS_MODEL})`, model: CODEX_PLAIN_TOOLS_MODEL, codeMode: false },
] as const;

describe.skipIf(!existsSync(CODEX)).each(TOOL_SHAPES)('the Responses mock with the real Codex CLI, $shape', ({ model, codeMode }) => {
  it('a shell step runs in the repository with tt first on PATH; the usage Codex reports is what the mock sent', async () => {
    const repo = tempRepo();
    const mock = await mockOf(shellBrain);
    const { home, codexHome } = codexHomes(mock, model);

    const run = await runCodex(repo, PROMPT, { HOME: home, CODEX_HOME: codexHome });

    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(path.join(repo, 'made.txt'), 'utf8')).toBe('made\n');
    expect(pathWithoutCodexHelpers(readFileSync(path.join(repo, 'path.txt'), 'utf8'), codexHome)[0]).toBe(TT_BIN_DIR);
    // Only the Responses endpoint, with the whole conversation each time (store: false, no previous_response_id).
    expect(mock.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['POST /v1/responses', 'POST /v1/responses']);
    const second = mock.requests[1]!.body as { previous_response_id?: string; store?: boolean };
    expect(second.store).toBe(false);
    expect(second.previous_response_id).toBeUndefined();
    expect(run.stdout).toContain('"text":"wrote made.txt: seen"');
    expect(turnUsages(run.stdout)).toEqual([expectedTurnUsage(2)]);
    expect(parseCodexJsonl(run.stdout).usage).toEqual({ input_tokens: 2000, output_tokens: 100, cache_tokens: 600, cost_usd: null });
  });

  it('decodes the prompt, the step and its output, and the tools Codex offered', async () => {
    const repo = tempRepo();
    // Codex adds AGENTS.md to the conversation as a user message of its own: it must not pass for tt's prompt.
    writeFileSync(path.join(repo, 'AGENTS.md'), 'Project rules: be brief.\n');
    const mock = await mockOf(shellBrain);
    const { home, codexHome } = codexHomes(mock, model);

    const run = await runCodex(repo, PROMPT, { HOME: home, CODEX_HOME: codexHome });

    expect(run.code, run.stderr).toBe(0);
    const conversations = mock.conversations;
    expect(conversations).toHaveLength(2);
    expect(conversations.map((conversation) => conversation.prompt)).toEqual([PROMPT, PROMPT]);
    // It was there, as a user message before the prompt's.
    expect(JSON.stringify(mock.requests[0]!.body)).toContain('# AGENTS.md instructions for');
    expect(conversations[0]!.results).toEqual([]);
    expect(conversations[1]!.results).toHaveLength(1);
    expect(conversations[1]!.results[0]!.step).toEqual(shellBrain({ prompt: PROMPT, results: [], tools: [] }));
    expect(conversations[1]!.results[0]!.output).toMatch(/Process exited with code 0[\s\S]*made/);
    expect(conversations[0]!.tools).toContain('exec_command');
    expect(conversations[0]!.tools.includes('functions__exec')).toBe(codeMode);
  });

  it('a command still running when exec_command answers is waited for: the brain sees one step with its whole output', async () => {
    const repo = tempRepo();
    const brain: Brain = (conversation) => {
      if (conversation.results.length === 0) return { kind: 'shell', command: 'echo early; sleep 2; echo late > late.txt; echo late' };
      return { kind: 'done', text: 'waited' };
    };
    // Codex's shortest wait: the command outlives it, so the mock must poll.
    const mock = await mockOf(brain, { yieldTimeMs: 250 });
    const { home, codexHome } = codexHomes(mock, model);

    const run = await runCodex(repo, PROMPT, { HOME: home, CODEX_HOME: codexHome });

    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(path.join(repo, 'late.txt'), 'utf8')).toBe('late\n');
    // Plain tools: the mock polls with write_stdin calls of its own; code mode: its script polls, in one exec call.
    const inputs = mock.requests.map((request) => (request.body as { input: Array<{ name?: string; input?: string }> }).input);
    if (codeMode) expect(inputs.at(-1)!.some((item) => item.input?.includes('tools.write_stdin'))).toBe(true);
    else expect(inputs.at(-1)!.filter((item) => item.name === 'write_stdin').length).toBeGreaterThan(0);
    // The brain was asked twice only: before the command, and once it had exited.
    expect(mock.conversations).toHaveLength(2);
    const [result] = mock.conversations[1]!.results;
    expect(mock.conversations[1]!.results).toHaveLength(1);
    expect(result!.output).toMatch(/early[\s\S]*late/);
    expect(result!.output).toContain('Process exited with code 0');
  });

  it('an MCP step calls the tinytown tool through `tt mcp` as configured by --print-config, as the agent named in the environment', async () => {
    const repo = tempRepo();
    const mcpToml = initTown(repo);
    const brain: Brain = (conversation) => {
      if (conversation.results.length === 0) return { kind: 'mcp', tool: 'send', args: { to: 'conductor', message: 'hello from codex over mcp' } };
      return { kind: 'done', text: 'sent' };
    };
    const mock = await mockOf(brain);
    const { home, codexHome } = codexHomes(mock, model, `\n${mcpToml}`);

    const run = await runCodex(repo, PROMPT, { HOME: home, CODEX_HOME: codexHome, TINYTOWN_AGENT: 'w1' });

    expect(run.code, run.stderr).toBe(0);
    const messages = inboxOf(repo, 'conductor');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('hello from codex over mcp');
    expect(messages[0]).toMatch(/^from: w1$/m);
    expect(git(repo, 'log', '-1', '--format=%s')).toMatch(/^tt\(w1\): send/);
    const conversations = mock.conversations;
    const last = conversations.at(-1)!;
    expect(last.results.map((result) => result.step)).toEqual([{ kind: 'mcp', tool: 'send', args: { to: 'conductor', message: 'hello from codex over mcp' } }]);
    expect(last.results[0]!.output).toContain('"kind": "message"');
    expect(last.tools).toContain('mcp__tinytown__send');
    // Both models defer MCP tools: one search (tool_search, or ALL_TOOLS in a script), the call, the answer — three responses.
    expect(mock.requests).toHaveLength(3);
    expect(turnUsages(run.stdout)).toEqual([expectedTurnUsage(3)]);
    // What the agent's log gets from this round.
    expect(parseCodexJsonl(run.stdout).text.split('\n')).toEqual(['mcp tinytown.send', 'sent']);
  });

  it('the tinytown tools are there in every round of a CODEX_HOME kept from round to round (the printed required = true)', async () => {
    const repo = tempRepo();
    const mcpToml = initTown(repo);
    expect(mcpToml).toContain('required = true');
    const sent: string[] = [];
    const brain: Brain = (conversation) => {
      if (conversation.results.length > 0) return { kind: 'done', text: 'sent' };
      const message = `round ${sent.length + 1}`;
      sent.push(message);
      return { kind: 'mcp', tool: 'send', args: { to: 'conductor', message } };
    };
    const mock = await mockOf(brain);
    const { home, codexHome } = codexHomes(mock, model, `\n${mcpToml}`);

    // Without required = true, Codex with state from earlier runs often asks the model before tt mcp is up:
    // about half of such rounds offered no tinytown tool at all.
    for (let round = 1; round <= 3; round++) {
      const run = await runCodex(repo, PROMPT, { HOME: home, CODEX_HOME: codexHome, TINYTOWN_AGENT: 'w1' });
      expect(run.code, run.stderr).toBe(0);
    }

    expect(sent).toEqual(['round 1', 'round 2', 'round 3']);
    expect(inboxOf(repo, 'conductor').map((message) => /round \d/.exec(message)?.[0]).sort()).toEqual(sent);
  });

  it.skipIf(process.getuid?.() !== 0 || !codeMode)('runs as an unprivileged user too (setpriv to nobody): a shell step, then an MCP step', async (context) => {
    const readable = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--', 'test', '-r', CODEX, '-a', '-r', TT_BIN]).status === 0;
    // town.test.ts runs Codex as that user from a readable copy.
    if (!readable) context.skip(`the unprivileged user cannot read ${CODEX} or ${TT_BIN}`);
    const repo = tempRepo();
    const mcpToml = initTown(repo);
    const brain: Brain = (conversation) => {
      if (conversation.results.length === 0) return shellBrain(conversation);
      if (conversation.results.length === 1) return { kind: 'mcp', tool: 'send', args: { to: 'conductor', message: 'hello from nobody' } };
      return { kind: 'done', text: 'done' };
    };
    const mock = await mockOf(brain);
    const { home, codexHome } = codexHomes(mock, model, `\n${mcpToml}`);
    // Git refuses a repository owned by another user, and HOME must be the user's own.
    for (const dir of [repo, home]) execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, dir]);
    const gitConfig = path.join(home, '.gitconfig');
    writeFileSync(gitConfig, '');
    chownSync(gitConfig, NOBODY, NOBODY);

    const run = await runCodex(repo, PROMPT, { HOME: home, CODEX_HOME: codexHome, GIT_CONFIG_GLOBAL: gitConfig, TINYTOWN_AGENT: 'w1' },
      ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups']);

    expect(run.code, run.stderr).toBe(0);
    const made = path.join(repo, 'made.txt');
    expect(readFileSync(made, 'utf8')).toBe('made\n');
    expect(statSync(made).uid).toBe(NOBODY);
    expect(pathWithoutCodexHelpers(readFileSync(path.join(repo, 'path.txt'), 'utf8'), codexHome)[0]).toBe(TT_BIN_DIR);
    expect(inboxOf(repo, 'conductor').join('')).toContain('hello from nobody');
    // The repository is nobody's now: root's git reads it only when told to trust it.
    expect(git(repo, '-c', `safe.directory=${repo}`, 'log', '-1', '--format=%s')).toMatch(/^tt\(w1\): send/);
  });
});
