import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readAgentRuntime, readControl, recordStart, runtimePaths, updateAgentRuntime } from '../../src/store/runtime.js';
import { waitUntil } from '../../src/agents/wait-for-change.js';
import { waitForAgents } from '../../src/agents/lifecycle.js';
import { openTown } from '../../src/store/town.js';
import { TimeoutError } from '../../src/errors.js';
import { tempRepo } from '../helpers/repo.js';
import { tt } from '../helpers/tt.js';
import { waitFor } from '../helpers/wait.js';

const WRITER = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'helpers', 'runtime-writer.ts');

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function tempFolder(): string {
  const folder = realpathSync(mkdtempSync(path.join(tmpdir(), 'tt-runtime-')));
  folders.push(folder);
  return folder;
}

/** Runs runtime-writer.ts in its own process; resolves when it exits (rejects on failure). */
function writer(root: string, name: string, role: string, count: number, barrier?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, root, name, role, String(count), ...(barrier ? [barrier] : [])], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${role} exited ${code}: ${stderr}`))));
  });
}

describe('agent run-time state', () => {
  it('loses nothing when a loop, its heartbeat and the controls write at once from three processes', async () => {
    const root = tempFolder();
    const barrier = tempFolder();
    const COUNT = 150;
    const roles = ['loop', 'heartbeat', 'controls'];
    const done = Promise.all(roles.map((role) => writer(root, 'backend', role, COUNT, barrier)));
    await waitFor(() => roles.every((role) => readdirHas(barrier, `${role}.ready`)), { timeoutMs: 30_000, what: 'the writers to be ready' });
    writeFileSync(path.join(barrier, 'go'), '');
    await done;
    const runtime = readAgentRuntime(root, 'backend');
    // Without the lock, a write based on a stale read puts an older count back: fewer than COUNT.
    expect(runtime.rounds).toBe(COUNT);
    expect(runtime.max_rounds).toBe(COUNT);
    expect(runtime.reason).toBe(`control ${COUNT}`);
    expect(runtime.recorded).toBe('working');
    expect(readControl(root, 'backend')).toBe('resume'); // the last control written (COUNT is even)
  }, 60_000);

  it('is recorded as starting once: whichever of launcher and loop comes second changes no state', async () => {
    const root = tempFolder();
    // The loop first (it booted before the launcher recorded the pid), then it goes idle, then the launcher records.
    await recordStart(root, 'backend', { pid: 4242, max_rounds: 3 });
    await updateAgentRuntime(root, 'backend', { state: 'idle' });
    await recordStart(root, 'backend', { pid: 4242, max_rounds: null });
    expect(readAgentRuntime(root, 'backend')).toMatchObject({ recorded: 'idle', pid: 4242, max_rounds: 3 });
    // The launcher first: the loop only fills in max_rounds.
    await updateAgentRuntime(root, 'frontend', { state: 'stopped', pid: 1, rounds: 7, reason: 'killed' });
    const launched = await recordStart(root, 'frontend', { pid: 4343, max_rounds: null });
    expect(launched).toMatchObject({ state: 'starting', pid: 4343, rounds: 0, reason: null, max_rounds: null });
    const started = await recordStart(root, 'frontend', { pid: 4343, max_rounds: 10 });
    expect(started).toMatchObject({ state: 'starting', pid: 4343, rounds: 0, max_rounds: 10, started: launched.started });
  });

  it('wakes a wait on the change itself, not on its fallback re-check', async () => {
    const root = tempFolder();
    await updateAgentRuntime(root, 'backend', { state: 'working', pid: process.pid });
    const began = Date.now();
    // A fallback longer than the deadline: only the file-system watch can end this wait in time.
    const waiting = waitUntil([runtimePaths.dir(root)], () => readAgentRuntime(root, 'backend').state === 'idle', { timeoutMs: 30_000, fallbackMs: 120_000 });
    await writer(root, 'backend', 'idle', 1);
    expect(await waiting).toBe(true);
    expect(Date.now() - began).toBeLessThan(30_000);
  }, 60_000);

  it('cannot hang on a missed event: the fallback re-check sees a change made where no watch looks, and the deadline ends a wait', async () => {
    const root = tempFolder();
    const elsewhere = tempFolder();
    await updateAgentRuntime(elsewhere, 'backend', { state: 'working' });
    const waiting = waitUntil([runtimePaths.dir(root)], () => readAgentRuntime(elsewhere, 'backend').recorded === 'idle', { timeoutMs: 30_000, fallbackMs: 50 });
    await writer(elsewhere, 'backend', 'idle', 1);
    expect(await waiting).toBe(true);
    expect(await waitUntil([root], () => false, { timeoutMs: 100 })).toBeUndefined();
  }, 60_000);

  it('tt wait settles when a working agent goes idle with an empty inbox, and times out while it works', async () => {
    const dir = tempRepo();
    expect((await tt(dir, ['init'])).code).toBe(0);
    expect((await tt(dir, ['spawn', 'backend', '--no-start'])).code).toBe(0);
    const town = openTown({ cwd: dir, env: {} });
    // This test's own process stands in for the loop: alive, and working.
    await updateAgentRuntime(dir, 'backend', { state: 'working', pid: process.pid });
    await expect(waitForAgents(town, ['backend'], 200)).rejects.toThrow(TimeoutError);
    const settled = waitForAgents(town, ['backend'], 30_000);
    await writer(dir, 'backend', 'idle', 1);
    await expect(settled).resolves.toBeUndefined();
  }, 60_000);
});

function readdirHas(folder: string, file: string): boolean {
  try {
    return readdirSync(folder).includes(file);
  } catch {
    return false;
  }
}
