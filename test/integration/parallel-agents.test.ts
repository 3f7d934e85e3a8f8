/**
 * The whole of DESIGN §6 with real processes (issue 19): three scripted
 * workers and a scripted reviewer, each a background loop in a worktree of
 * its own, two of them editing the same file. On the way: a reservation
 * refusing a worker's commit and then released; an approval killed (-9)
 * between moving the town's branch and updating the checkout, which the next
 * command (`tt recover`) completes; a conflicting merge routed back to its
 * worker (changes requested, naming the path, conductor told) and merged
 * after the worker's fix. Throughout, the person's own uncommitted work in
 * the main checkout — an edit, a staged file, an untracked file — is exactly
 * as it was, and every task lands once.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentWorktreePath } from '../../src/app/worktrees.js';
import { git, headCommit, stateDir, tempRepo, trailersOf } from '../helpers/repo.js';
import { stopAgentsAfterEach } from '../helpers/agent-towns.js';
import { tt, ttJson, ttProcess } from '../helpers/tt.js';
import { waitFor } from '../helpers/wait.js';

const WORKERS = ['w1', 'w2', 'w3'] as const;
const LOOP_TIMEOUT_MS = 180_000;

const towns = stopAgentsAfterEach();
const ok = ttJson;

async function taskState(dir: string, id: string): Promise<string> {
  return ((await ok(dir, ['task', 'show', id])) as { task: { state: string } }).task.state;
}

function waitForStates(dir: string, ids: readonly string[], states: readonly string[], what: string): Promise<unknown> {
  return waitFor(async () => {
    for (const id of ids) if (!states.includes(await taskState(dir, id))) return false;
    return true;
  }, { timeoutMs: LOOP_TIMEOUT_MS, intervalMs: 300, what });
}

function agentLog(dir: string, agent: string): string {
  const file = path.join(stateDir(dir), 'logs', `${agent}.log`);
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** The person's work in the main checkout, never committed: an unstaged edit, a staged new file, an untracked file. */
function personsWork(dir: string): () => string {
  writeFileSync(path.join(dir, 'README.md'), '# test repo\nmy unsaved edit\n');
  writeFileSync(path.join(dir, 'staged.txt'), 'staged, not committed\n');
  git(dir, 'add', 'staged.txt');
  mkdirSync(path.join(dir, 'scratch'));
  writeFileSync(path.join(dir, 'scratch', 'notes.txt'), 'my notes\n');
  const mine = ['README.md', 'staged.txt', 'scratch'];
  return () => [
    git(dir, 'status', '--porcelain', '--untracked-files=all', '--', ...mine),
    git(dir, 'diff', '--', ...mine),
    git(dir, 'diff', '--cached', '--', ...mine),
    ...['README.md', 'staged.txt', 'scratch/notes.txt'].map((file) => readFileSync(path.join(dir, file), 'utf8')),
  ].join('\n---\n');
}

function mergesOf(dir: string, id: string, since: string): string[] {
  return git(dir, 'log', '--format=%H', '--grep', '^Tinytown-Action: merge$', '--grep', `^Tinytown-Task: ${id}$`, '--all-match', `${since}..HEAD`).split('\n').filter(Boolean);
}

function approvalsOf(dir: string, id: string, since: string): string[] {
  return git(dir, 'log', '--format=%H', '--grep', '^Tinytown-Action: approve$', '--grep', `^Tinytown-Task: ${id}$`, '--all-match', `${since}..HEAD`).split('\n').filter(Boolean);
}

describe('three scripted workers and a reviewer in parallel worktrees', () => {
  it('merge every task once; a reservation, a kill -9 mid-merge and a conflict on the way; the person\'s work untouched', async () => {
    const dir = tempRepo();
    towns.push(dir);
    mkdirSync(path.join(dir, 'docs'));
    writeFileSync(path.join(dir, 'shared.md'), '# Shared\n\n- base line\n');
    writeFileSync(path.join(dir, 'docs', 'api.md'), '# API\n');
    git(dir, 'add', 'shared.md', 'docs/api.md');
    git(dir, 'commit', '-q', '-m', 'shared files');
    await ok(dir, ['init']);
    for (const name of [...WORKERS, 'reviewer']) await ok(dir, ['spawn', name, '--worktree', '--no-start', '--cli', 'scripted']);
    const work = personsWork(dir);
    const snapshot = work();
    const base = headCommit(dir);

    // docs/api.md is the conductor's for now: w3's commit touching it must be refused.
    await ok(dir, ['reserve', 'docs/api.md', '--exclusive', '--as', 'conductor']);
    const ids: Record<string, string> = {};
    for (const [worker, file] of [['w1', 'shared.md'], ['w2', 'shared.md'], ['w3', 'docs/api.md']] as const) {
      const assigned = await tt(dir, ['assign', worker, `Work of ${worker}\n\nEdit: ${file}`, '--title', `Work of ${worker}`, '--reviewer', 'reviewer', '--json']);
      expect(assigned.code).toBe(0);
      if (worker === 'w3') expect(assigned.stderr).toMatch(/docs\/api\.md is reserved exclusively by conductor/);
      ids[worker] = assigned.json<{ task: { id: string } }>().task.id;
    }
    // Started together: all three branches begin at the same commit, so w1's and w2's edits of shared.md overlap.
    for (const worker of WORKERS) await ok(dir, ['task', 'start', ids[worker]!, '--as', worker]);
    for (const worker of WORKERS) await ok(dir, ['restart', worker]);

    await waitForStates(dir, [ids.w1!, ids.w2!], ['review'], 'w1 and w2 to hand off to review');
    await waitFor(() => /docs\/api\.md: held exclusively by conductor/.test(agentLog(dir, 'w3')), { timeoutMs: LOOP_TIMEOUT_MS, intervalMs: 200, what: 'w3\'s commit refused by the reservation hook' });
    expect(agentLog(dir, 'w3')).toMatch(/tt send conductor --query/);
    expect(git(dir, 'log', '--format=%s', `HEAD..tt/${ids.w3}`).trim()).toBe('');
    // Released: w3 (started again) commits and hands off.
    await ok(dir, ['kill', 'w3']);
    await ok(dir, ['release', '--as', 'conductor']);
    await ok(dir, ['restart', 'w3']);
    await waitForStates(dir, [ids.w3!], ['review'], 'w3 to hand off after the release');
    expect(git(dir, 'show', '--name-only', '--format=', `tt/${ids.w3}`)).toMatch(/^docs\/api\.md$/m);

    // The reviewer's first approval is killed (SIGKILL) right after the town's branch moved.
    const beforeKill = headCommit(dir);
    const killed = await ttProcess(dir, ['approve', ids.w1!, '--as', 'reviewer'], { TINYTOWN_TEST_KILL_AT: 'merge' });
    expect(killed.code).not.toBe(0);
    expect(headCommit(dir)).not.toBe(beforeKill);
    expect(readFileSync(path.join(dir, 'shared.md'), 'utf8')).not.toMatch(/Work of w1/);
    expect(await taskState(dir, ids.w1!)).toBe('review');
    // The next command completes it: the checkout catches up, the approval lands, once.
    await ok(dir, ['recover']);
    expect(await taskState(dir, ids.w1!)).toBe('completed');
    expect(readFileSync(path.join(dir, 'shared.md'), 'utf8')).toMatch(/- Work of w1 \(w1\)/);
    expect(git(dir, 'status', '--porcelain', '--', 'shared.md', 'work', '.tinytown').trim()).toBe('');
    expect(existsSync(path.join(stateDir(dir), 'task-merge.json'))).toBe(false);
    expect(work()).toBe(snapshot);

    // The reviewer takes the rest: w2's branch conflicts with w1's merge in shared.md.
    await ok(dir, ['restart', 'reviewer']);
    await waitForStates(dir, Object.values(ids), ['completed'], 'every task approved and merged');
    // The loops read their last messages (the approvals) and go idle: the town is still after that.
    await ok(dir, ['wait', '--timeout', String(LOOP_TIMEOUT_MS / 1000)]);

    const reject = git(dir, 'log', '--format=%H', '--grep', '^Tinytown-Action: reject$', '--grep', `^Tinytown-Task: ${ids.w2}$`, '--all-match', `${base}..HEAD`).split('\n').filter(Boolean);
    expect(reject).toHaveLength(1);
    expect(trailersOf(dir, reject[0])['Tinytown-Reason']).toEqual(['merge conflict in shared.md']);
    const routedBack = git(dir, 'show', '--name-only', '--format=', reject[0]!).split('\n').filter((file) => /\/inbox\/(w2|conductor)\//.test(file));
    expect(routedBack.map((file) => file.split('/')[2]).sort()).toEqual(['conductor', 'w2']);
    for (const file of routedBack) expect(git(dir, 'show', `${reject[0]}:${file}`)).toMatch(/type: changes_requested[\s\S]*Conflicting paths:\n {2}- shared\.md/);
    for (const worker of WORKERS) {
      const id = ids[worker]!;
      expect(mergesOf(dir, id, base), `${worker}'s merges`).toHaveLength(1);
      expect(approvalsOf(dir, id, base), `${worker}'s approvals`).toHaveLength(1);
      expect(readFileSync(path.join(dir, `work/${id}.md`), 'utf8')).toMatch(new RegExp(`^# Work of ${worker}`));
      expect(git(dir, 'branch', '--list', `tt/${id}`).trim()).toBe('');
      expect(git(agentWorktreePath(dir, worker), 'status', '--porcelain').trim()).toBe('');
    }
    // Both edits of shared.md kept (the worker's union merge), no conflict markers; w3's line in docs/api.md.
    const shared = readFileSync(path.join(dir, 'shared.md'), 'utf8');
    expect(shared).toMatch(/- base line\n/);
    expect(shared).toMatch(/- Work of w1 \(w1\)\n/);
    expect(shared).toMatch(/- Work of w2 \(w2\)\n/);
    expect(shared).not.toMatch(/^(<{7}|={7}|>{7})/m);
    expect(readFileSync(path.join(dir, 'docs/api.md'), 'utf8')).toBe('# API\n- Work of w3 (w3)\n');
    expect(git(dir, 'status', '--porcelain', '--', 'shared.md', 'docs', 'work', '.tinytown').trim()).toBe('');
    expect(((await ok(dir, ['reservations'])) as { reservations: unknown[] }).reservations).toEqual([]);
    // Nothing of the agents' work went onto main except through the merges.
    const direct = git(dir, 'log', '--first-parent', '--format=%s', `${base}..HEAD`).split('\n').filter((s) => s && !s.startsWith('tt('));
    expect(direct).toEqual([]);
    expect(work()).toBe(snapshot);
  }, 420_000);
});
