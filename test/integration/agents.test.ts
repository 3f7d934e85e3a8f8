import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, treeSnapshot } from '../helpers/repo.js';
import { tt } from '../helpers/tt.js';
import { waitFor } from '../helpers/wait.js';
import { readAgentRuntime } from '../../src/store/runtime.js';
import { isProcessAlive } from '../../src/store/lock.js';
import { LOG_ROTATE_BYTES } from '../../src/agents/launch.js';
import { useAgentTowns } from '../helpers/agent-towns.js';

/** Towns whose agents are stopped after each test, whatever happens in it. */
const town = useAgentTowns();

/** Records its prompt and makes one tt call (the `tt` on the PATH the loop gives it): a round that acted. */
const RECORDER = 'sh -c "cat >> prompts.txt && tt inbox > /dev/null"';

type TaskJson = { id: string; state: string; assignee: string | null };
const tasks = async (dir: string) => (await tt(dir, ['task', 'list', '--json'])).json<{ tasks: TaskJson[] }>().tasks;
const unread = async (dir: string, agent: string) => (await tt(dir, ['inbox', agent, '--json'])).json<{ messages: Array<{ id: string; body: string }> }>().messages;

describe('running agents', () => {
  it('plays the demo flow with scripted background agents, then tt stop leaves no process behind', async () => {
    const dir = await town();
    for (const [name, role] of [['backend', 'worker'], ['frontend', 'worker'], ['reviewer', 'reviewer']]) {
      const spawned = await tt(dir, ['spawn', name!, '--role', role!, '--cli', 'scripted', '--json']);
      expect(spawned.code, spawned.stderr).toBe(0);
      expect(spawned.json<{ pid: number }>().pid).toBeGreaterThan(0);
    }
    await tt(dir, ['assign', 'backend', 'Build the API [needs-fix]', '--reviewer', 'reviewer']);
    await tt(dir, ['assign', 'frontend', 'Build the UI', '--reviewer', 'reviewer']);
    // The approval commits, not just the task files: a file is written a moment before its commit lands.
    const history = async () => (await tt(dir, ['history', '-n', '500', '--json'])).json<{ events: Array<{ action: string; agent: string }> }>().events;
    await waitFor(async () => (await history()).filter((e) => e.action === 'approve').length === 2, { timeoutMs: 90_000, intervalMs: 200, what: 'both approvals committed' });
    expect((await tasks(dir)).map((task) => task.state)).toEqual(['completed', 'completed']);
    const actions = await history();
    expect(actions.filter((e) => e.action === 'reject')).toHaveLength(1);
    expect(actions.filter((e) => e.action === 'approve' && e.agent === 'reviewer')).toHaveLength(2);
    expect(actions.filter((e) => e.action === 'review')).toHaveLength(3);
    const workFiles = git(dir, 'ls-files', 'work').trim().split('\n');
    expect(workFiles).toHaveLength(2);
    const apiFile = workFiles.map((f) => readFileSync(path.join(dir, f), 'utf8')).find((text) => text.includes('[needs-fix]'));
    expect(apiFile).toContain('Fixed after review');
    // Every round of the scripted agents acted, and the loops knew it from their round ledgers.
    for (const name of ['backend', 'frontend', 'reviewer']) expect(readAgentRuntime(dir, name).reason ?? '').not.toMatch(/no progress/);
    const pids = ['backend', 'frontend', 'reviewer'].map((name) => readAgentRuntime(dir, name).pid!);
    expect(pids.every(isProcessAlive)).toBe(true);
    const stopped = await tt(dir, ['stop', '--json']);
    expect(stopped.json<{ stopped: string[] }>().stopped.sort()).toEqual(['backend', 'frontend', 'reviewer']);
    expect(pids.filter(isProcessAlive)).toEqual([]);
    expect((await tt(dir, ['status', '--json'])).json<{ agents: Array<{ state: string }> }>().agents.map((a) => a.state).sort()).toEqual(['cold', 'stopped', 'stopped', 'stopped']);
  }, 120_000);

  it('starts a new log when a loop starts and the old log has grown past the limit, keeping the old one as <name>.log.1', async () => {
    const dir = await town({ failing: 'false' });
    expect((await tt(dir, ['spawn', 'backend', '--cli', 'failing', '--no-start'])).code).toBe(0);
    const log = path.join(dir, '.git/tinytown/logs/backend.log');
    mkdirSync(path.dirname(log), { recursive: true });
    const old = `${'an old line of agent output\n'.repeat(Math.ceil(LOG_ROTATE_BYTES / 28))}the last old line\n`;
    writeFileSync(log, old);

    expect((await tt(dir, ['restart', 'backend', '--rounds', '1'])).code).toBe(0);
    expect(readFileSync(`${log}.1`, 'utf8')).toBe(old);
    expect(statSync(log).size).toBeLessThan(LOG_ROTATE_BYTES);
    await tt(dir, ['kill', 'backend']);

    // A log under the limit is kept, and the loop appends to it.
    writeFileSync(log, 'a small log\n');
    expect((await tt(dir, ['restart', 'backend', '--rounds', '1'])).code).toBe(0);
    expect(readFileSync(log, 'utf8').startsWith('a small log\n')).toBe(true);
    expect(readFileSync(`${log}.1`, 'utf8')).toBe(old);
    // Each run of the loop says where it starts, so a restart's "round 1" reads as a new run, not a repeat.
    await waitFor(() => /=== \S+ loop started \(pid \d+, at most 1 rounds\)/.test(readFileSync(log, 'utf8')), { timeoutMs: 30_000 });
  });

  it('leaves messages unread and hands the task back to assigned when the CLI exits 1', async () => {
    const dir = await town({ failing: 'false' });
    expect((await tt(dir, ['spawn', 'backend', '--cli', 'failing', '--no-start'])).code).toBe(0);
    const id = (await tt(dir, ['assign', 'backend', 'Doomed work', '--json'])).json<{ task: { id: string } }>().task.id;
    const started = await tt(dir, ['task', 'start', id], { TINYTOWN_AGENT: 'backend' });
    expect(started.code, started.stderr).toBe(0);
    await tt(dir, ['send', 'backend', 'please hurry']);
    expect(await unread(dir, 'backend')).toHaveLength(2);
    const restart = await tt(dir, ['restart', 'backend']);
    expect(restart.code, restart.stderr).toBe(0);
    await waitFor(() => readAgentRuntime(dir, 'backend').reason?.startsWith('round failed'), { timeoutMs: 30_000, what: 'a failed round' });
    await waitFor(async () => (await tasks(dir)).find((t) => t.id === id)?.state === 'assigned', { timeoutMs: 30_000, what: 'the task released' });
    expect(await unread(dir, 'backend')).toHaveLength(2);
    expect(readAgentRuntime(dir, 'backend').rounds).toBe(0);
    // Not a crash loop: after a few failures in a row (with backoff) it stops in `error`.
    await waitFor(() => readAgentRuntime(dir, 'backend').state === 'error', { timeoutMs: 60_000, what: 'the loop to give up' });
    expect(await unread(dir, 'backend')).toHaveLength(2);
    // …and says so to the conductor, with the end of its log.
    const told = (await unread(dir, 'conductor')).map((m) => m.body).find((body) => body.includes('backend stopped in error'));
    expect(told).toContain('3 failed rounds in a row');
    expect(told).toContain('=== round 1 failed (exit 1)');
  }, 120_000);

  it('survives kill -9 mid-round: tt recover marks it stopped, tt reclaim --to moves its work, nothing lost', async () => {
    const dir = await town({ slow: 'sleep 60' });
    expect((await tt(dir, ['config', 'agent.stale_after_s', '0'])).code).toBe(0);
    expect((await tt(dir, ['spawn', 'frontend', '--no-start'])).code).toBe(0);
    expect((await tt(dir, ['spawn', 'backend', '--cli', 'slow', '--no-start'])).code).toBe(0);
    const id = (await tt(dir, ['assign', 'backend', 'Long work', '--json'])).json<{ task: { id: string } }>().task.id;
    await tt(dir, ['task', 'start', id], { TINYTOWN_AGENT: 'backend' });
    await tt(dir, ['send', 'backend', 'context for the work']);
    expect((await tt(dir, ['restart', 'backend'])).code).toBe(0);
    await waitFor(() => readAgentRuntime(dir, 'backend').state === 'working', { timeoutMs: 30_000, what: 'the round to start' });
    const pid = readAgentRuntime(dir, 'backend').pid!;
    process.kill(-pid, 'SIGKILL');
    await waitFor(() => !isProcessAlive(pid), { timeoutMs: 10_000, what: 'the loop to die' });
    const recovered = await tt(dir, ['recover', '--json']);
    expect(recovered.json<{ recovered: string[] }>().recovered).toEqual(['backend']);
    expect(readAgentRuntime(dir, 'backend')).toMatchObject({ state: 'stopped', reason: 'recovered: process gone' });
    const reclaimed = await tt(dir, ['reclaim', '--from', 'backend', '--to', 'frontend', '--json']);
    expect(reclaimed.code, reclaimed.stderr).toBe(0);
    expect(reclaimed.json<{ tasks: Array<{ id: string; to: string }> }>().tasks).toEqual([{ id, from: 'backend', to: 'frontend', state: 'assigned' }]);
    expect(await unread(dir, 'backend')).toHaveLength(0);
    const forwarded = await unread(dir, 'frontend');
    expect(forwarded.map((m) => m.body)).toEqual(expect.arrayContaining([expect.stringContaining('context for the work'), expect.stringContaining('Long work')]));
    const readDir = path.join(dir, '.tinytown/inbox/backend/read');
    expect(readdirSync(readDir)).toHaveLength(2);
    expect(git(dir, 'status', '--porcelain', '.tinytown').trim()).toBe('');
  }, 120_000);

  it('shows urgent messages first, and message text never runs anything', async () => {
    const dir = await town({ recorder: RECORDER });
    expect((await tt(dir, ['spawn', 'backend', '--cli', 'recorder', '--no-start'])).code).toBe(0);
    await tt(dir, ['send', 'backend', 'older normal message $(touch pwned1) `touch pwned2`; touch pwned3']);
    await tt(dir, ['send', 'backend', 'newer URGENT message', '--urgent']);
    expect((await tt(dir, ['restart', 'backend', '--rounds', '1'])).code).toBe(0);
    await waitFor(() => readAgentRuntime(dir, 'backend').rounds === 1, { timeoutMs: 30_000, what: 'one round' });
    const prompt = readFileSync(path.join(dir, 'prompts.txt'), 'utf8');
    expect(prompt.indexOf('newer URGENT message')).toBeGreaterThan(0);
    expect(prompt.indexOf('newer URGENT message')).toBeLessThan(prompt.indexOf('older normal message'));
    expect(prompt).toContain('tt task complete');
    expect(prompt).toContain('tt review');
    expect(prompt).toContain('tt send conductor --query');
    expect(readdirSync(dir).filter((f) => f.startsWith('pwned'))).toEqual([]);
    await waitFor(async () => (await unread(dir, 'backend')).length === 0, { timeoutMs: 10_000, what: 'messages marked read' });
  }, 60_000);

  it('passes the prompt as one argument where the command names {prompt} (the copilot preset\'s form), never through a shell', async () => {
    const dir = await town({ byargument: `sh -c 'printf %s "$1" > prompt-argument.txt && tt inbox > /dev/null' sh {prompt}` });
    expect((await tt(dir, ['spawn', 'backend', '--cli', 'byargument', '--no-start'])).code).toBe(0);
    await tt(dir, ['send', 'backend', 'the message $(touch pwned1) `touch pwned2`; touch pwned3 {prompt_file}']);
    expect((await tt(dir, ['restart', 'backend', '--rounds', '1'])).code).toBe(0);
    await waitFor(() => readAgentRuntime(dir, 'backend').rounds === 1, { timeoutMs: 30_000, what: 'one round' });
    const prompt = readFileSync(path.join(dir, 'prompt-argument.txt'), 'utf8');
    expect(prompt).toContain('You are **backend**');
    expect(prompt).toContain('the message $(touch pwned1) `touch pwned2`; touch pwned3 {prompt_file}');
    expect(readdirSync(dir).filter((f) => f.startsWith('pwned'))).toEqual([]);
  }, 60_000);

  it('pauses on tt interrupt, takes the mail that came meanwhile on tt resume, settles for tt wait and ends on tt close', async () => {
    const dir = await town({ recorder: RECORDER });
    expect((await tt(dir, ['spawn', 'backend', '--cli', 'recorder', '--no-start'])).code).toBe(0);
    expect((await tt(dir, ['restart', 'backend'])).code).toBe(0);
    const pid = readAgentRuntime(dir, 'backend').pid!;
    await waitFor(() => readAgentRuntime(dir, 'backend').state === 'idle', { timeoutMs: 30_000, what: 'the loop idle' });
    expect((await tt(dir, ['interrupt', 'backend'])).code).toBe(0);
    await waitFor(() => readAgentRuntime(dir, 'backend').state === 'paused', { timeoutMs: 30_000, what: 'the loop paused' });
    await tt(dir, ['send', 'backend', 'sent while paused']);
    expect(readAgentRuntime(dir, 'backend')).toMatchObject({ state: 'paused', rounds: 0 });
    expect((await tt(dir, ['resume', 'backend'])).code).toBe(0);
    const waited = await tt(dir, ['wait', 'backend', '--timeout', '30']);
    expect(waited.code, waited.stderr).toBe(0);
    expect(readAgentRuntime(dir, 'backend')).toMatchObject({ state: 'idle', rounds: 1 });
    expect(readFileSync(path.join(dir, 'prompts.txt'), 'utf8')).toContain('sent while paused');
    expect((await tt(dir, ['close', 'backend'])).code).toBe(0);
    await waitFor(() => !isProcessAlive(pid), { timeoutMs: 30_000, what: 'the loop to end' });
    expect(readAgentRuntime(dir, 'backend')).toMatchObject({ state: 'stopped', reason: 'closed' });
  }, 90_000);

  it('registers an agent whose CLI is not installed without starting it, says why and how to start it later; refuses an unknown CLI', async () => {
    const dir = await town({ missing: 'no-such-agent-cli --print' });
    const run = await tt(dir, ['spawn', 'backend', '--cli', 'missing', '--json']);
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({ kind: 'agent', pid: null, started: false, agent: { name: 'backend', cli: 'missing' } });
    expect(run.stderr).toContain('"no-such-agent-cli" is not on PATH');
    expect(run.stderr).toContain('tt restart backend');
    expect(existsSync(path.join(dir, '.tinytown/agents/backend.md'))).toBe(true);
    // The book's next command works at once.
    expect((await tt(dir, ['assign', 'backend', 'Build the API'])).code).toBe(0);
    const before = treeSnapshot(dir);
    const unknown = await tt(dir, ['spawn', 'frontend', '--cli', 'no-such-preset']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown agent CLI "no-such-preset"');
    expect(treeSnapshot(dir)).toBe(before);
  });
});
