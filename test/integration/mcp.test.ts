/**
 * `tt mcp` end to end: a real SDK Client spawns the built `node bin/tt.js mcp`
 * over stdio in a temporary town (run `npm run build` first; `npm test` does).
 * One server per acting agent, chosen by TINYTOWN_AGENT (or --as), exactly as
 * each agent's CLI would start its own.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { git, tempRepo, trailersOf } from '../helpers/repo.js';
import { REPO_ROOT, TT_BIN, tt, townWithTeam } from '../helpers/tt.js';
import { racyWindowMs } from '../../src/store/stat-cache.js';

const TOOL_LIST_BUDGET_BYTES = 16 * 1024;

interface ToolCall {
  content?: unknown;
  isError?: boolean;
}

interface Session {
  client: Client;
  stderr: () => string;
}

function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  return { ...env, ...extra };
}

/** A client connected to a fresh `tt mcp` server in `dir`, acting as `agent` (via TINYTOWN_AGENT). */
async function connect(dir: string, options: { agent?: string; args?: string[] } = {}): Promise<Session> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [TT_BIN, 'mcp', ...(options.args ?? [])],
    cwd: dir,
    env: childEnv(options.agent ? { TINYTOWN_AGENT: options.agent } : {}),
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk) => { stderr += String(chunk); });
  const client = new Client({ name: 'tinytown-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

/** Opens one client per agent, runs `body`, and closes every client whatever happens. */
async function withClients<T>(dir: string, agents: string[], body: (clients: Record<string, Client>) => Promise<T>): Promise<T> {
  const sessions: Session[] = [];
  try {
    const clients: Record<string, Client> = {};
    for (const agent of agents) {
      const session = await connect(dir, { agent });
      sessions.push(session);
      clients[agent] = session.client;
    }
    return await body(clients);
  } finally {
    await Promise.all(sessions.map((session) => session.client.close()));
  }
}

function texts(result: ToolCall): string[] {
  return (result.content as Array<{ type: string; text?: string }>).map((item) => item.text ?? '');
}

/** A successful call's JSON document (the same `tt --json` prints). */
async function call<T = Record<string, any>>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const result = (await client.callTool({ name, arguments: args })) as ToolCall;
  if (result.isError) throw new Error(`${name} failed: ${texts(result).join('\n')}`);
  return JSON.parse(texts(result)[0]!) as T;
}

/** A failed call's text. */
async function callError(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const result = (await client.callTool({ name, arguments: args })) as ToolCall;
  expect(result.isError, `${name} should fail: ${texts(result).join('\n')}`).toBe(true);
  return texts(result).join('\n');
}

const author = (dir: string) => git(dir, 'log', '-1', '--format=%an').trim();

async function town(): Promise<string> {
  const dir = tempRepo();
  await townWithTeam(dir);
  return dir;
}

describe('tt mcp', () => {
  it('needs the built CLI', () => {
    expect(existsSync(path.join(REPO_ROOT, 'dist', 'tt.cjs')), 'run npm run build first').toBe(true);
    expect(existsSync(path.join(REPO_ROOT, 'dist', 'faces.cjs')), 'run npm run build first').toBe(true);
  });

  it('lists a lean tool list, sends a message and reads the inbox, each write authored by the acting agent', async () => {
    const dir = await town();
    await withClients(dir, ['backend', 'reviewer'], async ({ backend, reviewer }) => {
      const { tools } = await backend!.listTools();
      const names = tools.map((tool) => tool.name);
      for (const expected of ['status', 'agent_list', 'agent_spawn', 'agent_kill', 'agent_interrupt', 'agent_resume', 'agent_prune',
        'inbox', 'inbox_mark_read', 'inbox_wait', 'send', 'assign', 'task_list', 'task_show', 'task_current', 'task_start',
        'task_complete', 'task_fail', 'backlog_list', 'backlog_add', 'backlog_claim', 'review', 'approve', 'reject', 'history', 'summary']) {
        expect(names).toContain(expected);
      }
      const bytes = Buffer.byteLength(JSON.stringify(tools));
      expect(bytes).toBeLessThan(TOOL_LIST_BUDGET_BYTES);

      const sent = await call(backend!, 'send', { to: 'supervisor', message: 'Need a decision on rollout timing', type: 'query', urgent: true, cc: ['reviewer'] });
      expect(sent).toMatchObject({ schemaVersion: 1, kind: 'message', message: { from: 'backend', to: 'conductor', type: 'query', urgent: true } });
      expect(sent.copies).toHaveLength(1);
      expect(author(dir)).toBe('backend');
      expect(trailersOf(dir)['Tinytown-Action']).toEqual(['send']);

      const inbox = await call(reviewer!, 'inbox');
      expect(inbox).toMatchObject({ kind: 'inbox', agent: 'reviewer' });
      expect(inbox.messages).toHaveLength(1);
      expect(inbox.messages[0]).toMatchObject({ from: 'backend', type: 'query', body: 'Need a decision on rollout timing\n' });

      const taken = await call(reviewer!, 'inbox_mark_read');
      expect(taken.messages[0].path).toMatch(/^\.tinytown\/inbox\/reviewer\/read\//);
      expect(author(dir)).toBe('reviewer');
      expect(trailersOf(dir)['Tinytown-Action']).toEqual(['read']);
      expect((await call(reviewer!, 'inbox')).messages).toEqual([]);
    });
  });

  it('runs the review loop assign → start → review → approve, every commit authored by its acting agent', async () => {
    const dir = await town();
    await withClients(dir, ['conductor', 'backend', 'reviewer'], async ({ conductor, backend, reviewer }) => {
      const assigned = await call(conductor!, 'assign', { agent: 'backend', description: 'Build the API\n\nREST, JSON.', reviewer: 'reviewer', tags: ['api'] });
      const id = assigned.task.id as string;
      expect(assigned.task).toMatchObject({ state: 'assigned', assignee: 'backend', reviewer: 'reviewer', title: 'Build the API', tags: ['api'] });
      expect(author(dir)).toBe('conductor');

      expect((await call(backend!, 'task_current')).task.id).toBe(id);
      expect((await call(backend!, 'task_start', { id: id.slice(0, 5) })).task.state).toBe('running');
      expect(author(dir)).toBe('backend');

      writeFileSync(path.join(dir, 'api.ts'), 'export const api = true;\n');
      git(dir, 'add', 'api.ts');
      git(dir, 'commit', '-q', '-m', 'feat: the API');
      const code = git(dir, 'rev-parse', 'HEAD').trim();

      const inReview = await call(backend!, 'review', { id, message: 'API ready in src/api.ts' });
      expect(inReview.task.state).toBe('review');
      expect(author(dir)).toBe('backend');
      expect(trailersOf(dir)['Tinytown-Action']).toEqual(['review']);

      const requests = await call(reviewer!, 'inbox');
      expect(requests.messages.map((m: { type: string }) => m.type)).toContain('review_request');

      // Only the task's reviewer (or the conductor) approves: the worker is refused, in the CLI's words.
      expect(await callError(backend!, 'approve', { id })).toMatch(/reviewer/);

      const approved = await call(reviewer!, 'approve', { id, message: 'LGTM' });
      expect(approved.task).toMatchObject({ id, state: 'completed', approved_by: 'reviewer', reviewed_commit: code });
      expect(author(dir)).toBe('reviewer');
      expect(trailersOf(dir)['Tinytown-Action']).toEqual(['approve']);
      expect(trailersOf(dir)['Reviewed-by']).toEqual(['reviewer']);

      const history = await call(conductor!, 'history', { task: id });
      expect(history.events.map((e: { action: string }) => e.action)).toEqual(['approve', 'review', 'start', 'assign']);
      const cli = await tt(dir, ['task', 'show', id, '--json']);
      expect(cli.json<{ task: unknown }>().task).toEqual((await call(conductor!, 'task_show', { id })).task);
    });
  });

  it('answers a malformed call with a tool error and keeps serving', async () => {
    const dir = await town();
    await withClients(dir, ['backend'], async ({ backend }) => {
      expect(await callError(backend!, 'task_show', { id: 't-zzzzzz' })).toMatch(/no task matches "t-zzzzzz"/);
      expect(await callError(backend!, 'task_show', {})).toMatch(/id/);
      expect(await callError(backend!, 'task_complete', { id: 't-zzz' })).toMatch(/result/);
      expect(await callError(backend!, 'send', { to: 'reviewer', message: 'hi', from: 'reviewer' })).toMatch(/from/);
      expect(await callError(backend!, 'send', { to: '../etc', message: 'hi' })).toMatch(/name/);
      expect(await callError(backend!, 'no_such_tool')).toMatch(/no_such_tool/);
      const status = await call(backend!, 'status', { tasks: true });
      expect(status).toMatchObject({ kind: 'status', tasks: { pending: 0 } });
      expect(status.agents.map((a: { name: string }) => a.name)).toEqual(['backend', 'conductor', 'frontend', 'reviewer']);
    });
  });

  it('answers a line that is not JSON, or JSON that is not JSON-RPC, with a JSON-RPC error, and keeps serving', async () => {
    const dir = await town();
    const lines = [
      'this is not json',
      '{"no":"jsonrpc here"}',
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
      JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    ];
    const replies = await new Promise<Array<{ id: unknown; error?: { code: number }; result?: { tools?: unknown[] } }>>((resolve, reject) => {
      const child = spawn(process.execPath, [TT_BIN, 'mcp'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (chunk) => { stdout += String(chunk); });
      child.on('error', reject);
      child.on('close', () => resolve(stdout.trim().split('\n').map((line) => JSON.parse(line) as never)));
      child.stdin.end(`${lines.join('\n')}\n`);
    });
    expect(replies.map((reply) => [reply.id, reply.error?.code ?? 'ok'])).toEqual([[null, -32700], [null, -32600], [1, 'ok'], [2, 'ok']]);
    expect(replies[3]!.result!.tools!.length).toBeGreaterThan(10);
  });

  it('acts as --as, waits for mail with a bounded timeout, and serves resources and prompts', async () => {
    const dir = await town();
    const reviewer = await connect(dir, { args: ['--as', 'reviewer'] });
    try {
      await withClients(dir, ['backend'], async ({ backend }) => {
        const idle = await call(reviewer.client, 'inbox_wait', { timeout: 0.2 });
        expect(idle).toMatchObject({ kind: 'inbox', agent: 'reviewer', messages: [], timed_out: true });
        expect(await callError(reviewer.client, 'inbox_wait', { timeout: 3600 })).toMatch(/timeout/);

        const waiting = call(reviewer.client, 'inbox_wait', { timeout: 45, mark_read: true });
        await call(backend!, 'send', { to: 'reviewer', message: 'Ready when you are', type: 'info' });
        const woke = await waiting;
        expect(woke.messages.map((m: { body: string }) => m.body)).toEqual(['Ready when you are\n']);
        expect(author(dir)).toBe('reviewer');

        const added = await call(backend!, 'backlog_add', { description: 'Write the docs' });
        expect((await call(backend!, 'backlog_list')).tasks.map((t: { id: string }) => t.id)).toEqual([added.task.id]);
        expect((await call(backend!, 'backlog_claim', { id: added.task.id })).task).toMatchObject({ assignee: 'backend', state: 'assigned' });

        const { resources } = await backend!.listResources();
        expect(resources.map((r) => r.uri)).toEqual(expect.arrayContaining(['tinytown://town', 'tinytown://agents', 'tinytown://agents/backend', 'tinytown://inbox/reviewer']));
        const read = async (uri: string) => {
          const { contents } = await backend!.readResource({ uri });
          return JSON.parse((contents[0] as { text: string }).text) as Record<string, any>;
        };
        expect(await read('tinytown://town')).toMatchObject({ kind: 'status', tasks: { assigned: 1 } });
        expect((await read('tinytown://agents')).agents).toHaveLength(4);
        expect((await read('tinytown://agents/supervisor')).agent).toMatchObject({ name: 'conductor', role: 'conductor', unread: 0 });
        expect((await read(`tinytown://tasks/${added.task.id}`)).task.title).toBe('Write the docs');
        expect((await read('tinytown://inbox/reviewer')).messages).toEqual([]);
        await expect(backend!.readResource({ uri: 'tinytown://tasks/t-zzzzzz' })).rejects.toThrow(/no task matches/);

        const { prompts } = await backend!.listPrompts();
        expect(prompts.map((p) => p.name).sort()).toEqual(['agent_role', 'conductor']);
        const conductor = await backend!.getPrompt({ name: 'conductor' });
        expect((conductor.messages[0]!.content as { text: string }).text).toMatch(/You are the conductor of the Tinytown town/);
        const role = await backend!.getPrompt({ name: 'agent_role', arguments: {} });
        expect((role.messages[0]!.content as { text: string }).text).toMatch(/^You are backend \(worker\)/);
        await expect(backend!.getPrompt({ name: 'agent_role', arguments: { agent: 'nobody' } })).rejects.toThrow(/unknown agent "nobody"/);
      });
    } finally {
      await reviewer.client.close();
    }
  });

  it('prints the configuration snippet for claude, codex and gemini; refuses another CLI', async () => {
    const dir = tempRepo();
    const claude = await tt(dir, ['mcp', '--print-config', 'claude']);
    expect(claude.code).toBe(0);
    expect(claude.stdout.split('\n')[0]).toBe(`claude mcp add tinytown -- node ${TT_BIN} mcp`);
    const mcpJson = JSON.parse(claude.stdout.slice(claude.stdout.indexOf('{')));
    expect(mcpJson).toEqual({ mcpServers: { tinytown: { command: 'node', args: [TT_BIN, 'mcp'] } } });

    const codex = await tt(dir, ['mcp', '--print-config', 'codex']);
    expect(codex.code).toBe(0);
    expect(codex.stdout).toBe(`[mcp_servers.tinytown]\ncommand = "node"\nargs = [${JSON.stringify(TT_BIN)}, "mcp"]\nenv_vars = ["TINYTOWN_AGENT", "TINYTOWN_DIR", "TINYTOWN_TOWN", "TINYTOWN_ROUND"]\ndefault_tools_approval_mode = "approve"\nrequired = true\n`);
    expect(codex.stderr).toContain('approval policy');
    expect(codex.stderr).toContain('required = true makes Codex wait for the server');
    expect(claude.stderr).toContain('--allowedTools mcp__tinytown');

    const gemini = await tt(dir, ['mcp', '--print-config', 'gemini']);
    expect(gemini.code).toBe(0);
    expect(JSON.parse(gemini.stdout)).toEqual({ mcpServers: { tinytown: { command: 'node', args: [TT_BIN, 'mcp'] } } });
    expect(gemini.stderr).toMatch(/settings\.json/);
    expect(gemini.stderr).toContain('--yolo');
    expect(gemini.stderr).toContain('GEMINI_CLI_TRUST_WORKSPACE=true');

    const json = await tt(dir, ['mcp', '--print-config', 'codex', '--json']);
    expect(json.json()).toMatchObject({ schemaVersion: 1, kind: 'mcp-config', cli: 'codex', command: 'node', args: [TT_BIN, 'mcp'] });

    const unknown = await tt(dir, ['mcp', '--print-config', 'vim']);
    expect(unknown.code).toBe(2);
  });

  it('keeps the SDK out of every other command: `tt send` never loads dist/faces.cjs (the MCP server and the board) or dist/vendor.cjs; `tt mcp` and `tt --help` do', async () => {
    const dir = await town();
    // NODE_DEBUG=module logs every CommonJS file the process loads.
    const modulesLoaded = (args: string[], input: string) => new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [TT_BIN, ...args], { cwd: dir, env: { ...process.env, NODE_DEBUG: 'module' }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk) => { stderr += String(chunk); });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(stderr) : reject(new Error(`tt ${args.join(' ')} exited ${code}: ${stderr}`))));
      child.stdin.end(input);
    });
    const send = await modulesLoaded(['send', 'backend', 'hello'], '');
    expect(send).toContain('MODULE'); // the log works…
    expect(send).not.toContain('faces.cjs'); // …and the faces' file is not in it
    // Nor yaml, yargs or chokidar, once town.yml's parse is kept: the first command after it changed
    // reads it with yaml, and keeps the parse once the file is older than the racy window.
    const config = statSync(path.join(dir, '.tinytown', 'town.yml'));
    const settledAt = Math.max(config.mtimeMs, config.ctimeMs) + racyWindowMs(config.ctimeMs) + 50;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, settledAt - Date.now())));
    await modulesLoaded(['send', 'backend', 'the parse is kept'], '');
    expect(await modulesLoaded(['send', 'backend', 'hello again'], '')).not.toContain('vendor.cjs');
    const mcp = await modulesLoaded(['mcp'], ''); // stdin closed at once: the server starts and stops
    expect(mcp).toContain('faces.cjs');
    const help = await modulesLoaded(['--help'], ''); // yargs prints the help
    expect(help).toContain('vendor.cjs');
  });
});
