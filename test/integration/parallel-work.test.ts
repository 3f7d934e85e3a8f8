/**
 * Parallel work (DESIGN §6) with real git and real processes: a reservation
 * refusing a commit in an agent's worktree and then released; scripted agents
 * in worktrees; approval merging the reviewed commit (fast-forward and merge
 * commit), a conflicting merge routed back and merged after the fix, a branch
 * that moved after review refused, and the person's uncommitted work in the
 * main checkout untouched throughout.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTown } from '../../src/store/town.js';
import { agentWorktreePath, worktreeEnvironment } from '../../src/app/worktrees.js';
import { commitCount, git, headCommit, stateDir, tempRepo, trailersOf } from '../helpers/repo.js';
import { stopAgentsAfterEach } from '../helpers/agent-towns.js';
import { TT_BIN, tt, ttJson, ttProcess } from '../helpers/tt.js';
import { waitFor } from '../helpers/wait.js';

const towns = stopAgentsAfterEach();
const ok = ttJson;

/** A town with a worker in a worktree (backend), a plain one (frontend) and a reviewer; none started. */
async function parallelTown(): Promise<string> {
  const dir = tempRepo();
  towns.push(dir);
  await ok(dir, ['init']);
  await ok(dir, ['spawn', 'backend', '--worktree', '--no-start', '--cli', 'scripted']);
  await ok(dir, ['spawn', 'frontend', '--no-start', '--cli', 'scripted']);
  await ok(dir, ['spawn', 'reviewer', '--no-start', '--cli', 'scripted']);
  return dir;
}

/** A commit in the agent's worktree, as its CLI would make it (tt's hooks included). */
function commitInWorktree(dir: string, agent: string, file: string, text: string): { code: number; stderr: string } {
  const folder = agentWorktreePath(dir, agent);
  const env = { ...process.env, ...worktreeEnvironment(openTown({ cwd: dir, env: {} }), folder, process.env), TINYTOWN_AGENT: agent };
  mkdirSync(path.dirname(path.join(folder, file)), { recursive: true });
  writeFileSync(path.join(folder, file), text);
  execFileSync('git', ['add', '--', file], { cwd: folder, env });
  const commit = spawnSync('git', ['-c', `user.name=${agent}`, '-c', `user.email=${agent}@tinytown.invalid`, 'commit', '-q', '-m', `${agent}: ${file}`], { cwd: folder, env, encoding: 'utf8' });
  return { code: commit.status ?? 1, stderr: commit.stderr };
}

/** A task for backend with a reviewer, started: its worktree is on tt/<id>. */
async function startedTask(dir: string, description = 'Build the API'): Promise<string> {
  const { task } = await ok(dir, ['assign', 'backend', description, '--reviewer', 'reviewer']) as { task: { id: string } };
  const started = await ok(dir, ['task', 'start', task.id, '--as', 'backend']) as { task: { branch: string } };
  expect(started.task.branch).toBe(`tt/${task.id}`);
  expect(git(agentWorktreePath(dir, 'backend'), 'symbolic-ref', '--short', 'HEAD').trim()).toBe(`tt/${task.id}`);
  return task.id;
}

/** The person's own uncommitted work in the main checkout: an edit and an untracked file. */
function personsWork(dir: string): () => string {
  writeFileSync(path.join(dir, 'README.md'), '# test repo\nmy unsaved edit\n');
  writeFileSync(path.join(dir, 'notes.txt'), 'my notes\n');
  return () => [git(dir, 'status', '--porcelain', '--', 'README.md', 'notes.txt'), git(dir, 'diff', '--', 'README.md'), readFileSync(path.join(dir, 'notes.txt'), 'utf8')].join('\n---\n');
}

describe('reservations enforced in agent worktrees', () => {
  it('refuses a commit touching paths another agent holds exclusively, naming the holder and how to ask; released, the commit goes in', async () => {
    const dir = await parallelTown();
    const reserved = await ok(dir, ['reserve', 'src/api/**', '--exclusive', '--as', 'frontend']) as { reservations: Array<{ id: string; path: string }> };
    const [reservation] = reserved.reservations;
    expect(git(dir, 'log', '-1', '--format=%s').trim()).toMatch(/^tt\(frontend\): reserve r-\w+ exclusive: src\/api\/\*\*/);
    expect(git(dir, 'ls-files', '--', reservation!.path).trim()).toBe(reservation!.path);

    const refused = commitInWorktree(dir, 'backend', 'src/api/routes.ts', 'export {};\n');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/src\/api\/routes\.ts: held exclusively by frontend/);
    expect(refused.stderr).toMatch(/tt send frontend --query/);
    const worktree = agentWorktreePath(dir, 'backend');
    expect(git(worktree, 'log', '-1', '--format=%s').trim()).not.toMatch(/routes/);

    // The holder itself is not in its own way; others' shared reservations do not block.
    const assign = await tt(dir, ['assign', 'backend', 'Touch src/api/routes.ts please']);
    expect(assign.stderr).toMatch(/warning: src\/api\/routes\.ts is reserved exclusively by frontend/);

    await ok(dir, ['release', '--as', 'frontend']);
    expect(existsSync(path.join(dir, reservation!.path))).toBe(false);
    expect(trailersOf(dir)['Tinytown-Action']).toEqual(['release']);
    const accepted = commitInWorktree(dir, 'backend', 'src/api/routes.ts', 'export {};\n');
    expect(accepted.stderr).toBe('');
    expect(accepted.code).toBe(0);
  });

  it('ends a task\'s reservations with the task, and ignores an expired one', async () => {
    const dir = await parallelTown();
    const { task } = await ok(dir, ['assign', 'frontend', 'Style the page']) as { task: { id: string } };
    await ok(dir, ['reserve', 'web/**', '--exclusive', '--task', task.id, '--as', 'frontend']);
    await ok(dir, ['reserve', 'docs/**', '--exclusive', '--ttl', '1s', '--as', 'frontend']);
    expect(commitInWorktree(dir, 'backend', 'web/a.css', 'a{}\n').code).not.toBe(0);
    await ok(dir, ['task', 'complete', task.id, '--result', 'done', '--as', 'frontend']);
    expect(git(dir, 'show', '--name-status', '--format=', 'HEAD')).toMatch(/^D\t\.tinytown\/reservations\/r-\w+\.md$/m);
    expect(commitInWorktree(dir, 'backend', 'web/a.css', 'a{}\n').code).toBe(0);
    await waitFor(async () => ((await ok(dir, ['reservations'])) as { reservations: Array<{ expired: boolean }> }).reservations.every((r) => r.expired), { timeoutMs: 10_000, what: 'the reservation to expire' });
    expect(commitInWorktree(dir, 'backend', 'docs/a.md', '# a\n').code).toBe(0);
  });
});

describe('approval merges the reviewed commit', () => {
  it('makes a merge commit from the reviewed commit only, writes just the merged paths, and leaves the person\'s work alone', async () => {
    const dir = await parallelTown();
    const id = await startedTask(dir);
    const before = personsWork(dir);
    const snapshot = before();
    expect(commitInWorktree(dir, 'backend', 'src/api.ts', 'export const api = 1;\n').code).toBe(0);
    const reviewed = await ok(dir, ['review', id, '--as', 'backend']) as { task: { review_commit: string } };
    const tip = git(agentWorktreePath(dir, 'backend'), 'rev-parse', 'HEAD').trim();
    expect(reviewed.task.review_commit).toBe(tip);
    expect((await tt(dir, ['task', 'show', id])).stdout).toMatch(new RegExp(`^ {2}branch: +tt/${id} +review commit: ${tip}$`, 'm'));
    const request = git(dir, 'show', 'HEAD:' + (git(dir, 'show', '--name-only', '--format=', 'HEAD').split('\n').find((f) => f.includes('/inbox/reviewer/'))!));
    expect(request).toContain(`git diff main...${tip}`);

    const approved = await ok(dir, ['approve', id, '--as', 'reviewer']) as { task: { state: string; reviewed_commit: string } };
    expect(approved.task).toMatchObject({ state: 'completed', reviewed_commit: tip });
    const merge = git(dir, 'rev-parse', 'HEAD~1').trim();
    expect(git(dir, 'log', '-1', '--format=%P', merge).trim().split(' ')[1]).toBe(tip);
    expect(git(dir, 'log', '-1', '--format=%s', merge).trim()).toMatch(new RegExp(`^tt\\(reviewer\\): merge ${id} Build the API`));
    expect(trailersOf(dir, merge)).toMatchObject({ 'Tinytown-Action': ['merge'], 'Tinytown-Task': [id], 'Reviewed-by': ['reviewer'], 'Tinytown-Reviewed-Commit': [tip] });
    expect(trailersOf(dir)).toMatchObject({ 'Tinytown-Action': ['approve'], 'Tinytown-Reviewed-Commit': [tip] });
    // The merged path is in the main checkout, clean; the person's edit and notes are exactly as they were.
    expect(readFileSync(path.join(dir, 'src/api.ts'), 'utf8')).toBe('export const api = 1;\n');
    expect(git(dir, 'status', '--porcelain', '--', 'src').trim()).toBe('');
    expect(before()).toBe(snapshot);
    // The branch is gone (merged) and the worktree let go of it.
    expect(git(dir, 'branch', '--list', `tt/${id}`).trim()).toBe('');
    expect(spawnSync('git', ['symbolic-ref', '-q', 'HEAD'], { cwd: agentWorktreePath(dir, 'backend') }).status).not.toBe(0);
  });

  it('removes from the checkout a file the branch deleted', async () => {
    const dir = await parallelTown();
    writeFileSync(path.join(dir, 'old.txt'), 'old\n');
    git(dir, 'add', 'old.txt');
    git(dir, 'commit', '-q', '-m', 'old file');
    const id = await startedTask(dir);
    const worktree = agentWorktreePath(dir, 'backend');
    git(worktree, 'rm', '-q', 'old.txt');
    git(worktree, '-c', 'user.name=backend', '-c', 'user.email=backend@tinytown.invalid', 'commit', '-q', '--no-verify', '-m', 'drop old.txt');
    await ok(dir, ['review', id, '--as', 'backend']);
    await ok(dir, ['approve', id, '--as', 'reviewer']);
    expect(existsSync(path.join(dir, 'old.txt'))).toBe(false);
    expect(git(dir, 'ls-files', '--', 'old.txt').trim()).toBe('');
    expect(git(dir, 'status', '--porcelain').trim()).toBe('');
  });

  it('fast-forwards when the town branch has not moved since the branch was made', async () => {
    const dir = await parallelTown();
    await ok(dir, ['config', 'git.auto_commit', 'false']);
    const id = await startedTask(dir);
    const start = headCommit(dir);
    expect(commitInWorktree(dir, 'backend', 'src/ff.ts', 'ff\n').code).toBe(0);
    await ok(dir, ['review', id, '--as', 'backend']);
    const tip = git(agentWorktreePath(dir, 'backend'), 'rev-parse', 'HEAD').trim();
    expect(headCommit(dir)).toBe(start);
    await ok(dir, ['approve', id, '--as', 'reviewer']);
    expect(headCommit(dir)).toBe(tip);
    expect(readFileSync(path.join(dir, 'src/ff.ts'), 'utf8')).toBe('ff\n');
    expect(git(dir, 'status', '--porcelain', '--', 'src').trim()).toBe('');
  });

  it('refuses, changing nothing: uncommitted changes in merged paths, a branch that moved after review', async () => {
    const dir = await parallelTown();
    const id = await startedTask(dir);
    expect(commitInWorktree(dir, 'backend', 'src/api.ts', 'theirs\n').code).toBe(0);
    await ok(dir, ['review', id, '--as', 'backend']);
    writeFileSync(path.join(dir, 'src-api-note.txt'), 'unrelated\n');
    mkdirSync(path.join(dir, 'src'));
    writeFileSync(path.join(dir, 'src/api.ts'), 'mine, not committed\n');
    const head = headCommit(dir);
    const dirty = await tt(dir, ['approve', id, '--as', 'reviewer']);
    expect(dirty.code).toBe(1);
    expect(dirty.stderr).toMatch(/uncommitted changes in 1 path\(s\) the merge of t-\w+ would change: src\/api\.ts/);
    expect(headCommit(dir)).toBe(head);
    expect(readFileSync(path.join(dir, 'src/api.ts'), 'utf8')).toBe('mine, not committed\n');
    expect((await ok(dir, ['task', 'show', id]) as { task: { state: string } }).task.state).toBe('review');

    writeFileSync(path.join(dir, 'src/api.ts'), 'theirs\n');
    expect(commitInWorktree(dir, 'backend', 'src/more.ts', 'unreviewed\n').code).toBe(0);
    const moved = await tt(dir, ['approve', id, '--as', 'reviewer']);
    expect(moved.code).toBe(1);
    expect(moved.stderr).toMatch(/moved after review .*tt review t-\w+/);
    expect(headCommit(dir)).toBe(head);
  });

  it('routes a conflicting merge back to the assignee naming the paths, conductor told; merged after the fix', async () => {
    const dir = await parallelTown();
    writeFileSync(path.join(dir, 'shared.txt'), 'one\n');
    git(dir, 'add', 'shared.txt');
    git(dir, 'commit', '-q', '-m', 'shared file');
    const id = await startedTask(dir);
    expect(commitInWorktree(dir, 'backend', 'shared.txt', 'backend\n').code).toBe(0);
    await ok(dir, ['review', id, '--as', 'backend']);
    writeFileSync(path.join(dir, 'shared.txt'), 'person\n');
    git(dir, 'commit', '-q', '-am', 'person edits shared');
    const count = commitCount(dir);

    const conflict = await tt(dir, ['approve', id, '--as', 'reviewer']);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toMatch(/not merged: tt\/t-\w+ conflicts with main in shared\.txt/);
    expect(commitCount(dir)).toBe(count + 1);
    expect(trailersOf(dir)['Tinytown-Action']).toEqual(['reject']);
    expect(readFileSync(path.join(dir, 'shared.txt'), 'utf8')).toBe('person\n');
    const task = (await ok(dir, ['task', 'show', id]) as { task: { state: string } }).task;
    expect(task.state).toBe('assigned');
    for (const agent of ['backend', 'conductor']) {
      const inbox = await ok(dir, ['inbox', agent]) as { messages: Array<{ type: string; body: string }> };
      expect(inbox.messages.find((m) => m.type === 'changes_requested')?.body, agent).toMatch(/shared\.txt/);
    }

    // The fix: merge the town branch in the worktree, keep a resolution, hand off again.
    const worktree = agentWorktreePath(dir, 'backend');
    spawnSync('git', ['merge', '-q', 'main'], { cwd: worktree });
    writeFileSync(path.join(worktree, 'shared.txt'), 'resolved\n');
    git(worktree, 'add', 'shared.txt');
    git(worktree, '-c', 'user.name=backend', '-c', 'user.email=backend@tinytown.invalid', 'commit', '-q', '--no-edit');
    await ok(dir, ['review', id, '--as', 'backend']);
    await ok(dir, ['approve', id, '--as', 'reviewer']);
    expect(readFileSync(path.join(dir, 'shared.txt'), 'utf8')).toBe('resolved\n');
    expect(git(dir, 'status', '--porcelain', '--', 'shared.txt').trim()).toBe('');
  });
});

describe('a kill -9 in the middle of a merge', () => {
  it('leaves a state the next tt write completes: the checkout catches up with the moved branch, the approval lands once', async () => {
    const dir = await parallelTown();
    const id = await startedTask(dir);
    const work = personsWork(dir);
    const snapshot = work();
    expect(commitInWorktree(dir, 'backend', 'src/api.ts', 'export const api = 2;\n').code).toBe(0);
    await ok(dir, ['review', id, '--as', 'backend']);
    const head = headCommit(dir);
    const child = spawn(process.execPath, [TT_BIN, 'approve', id, '--as', 'reviewer'], {
      cwd: dir, env: { ...process.env, TINYTOWN_TEST_PAUSE_IN_MERGE_MS: '60000' }, stdio: 'ignore',
    });
    const journal = path.join(stateDir(dir), 'task-merge.json');
    try {
      await waitFor(() => existsSync(journal) && headCommit(dir) !== head, { timeoutMs: 30_000, what: 'the branch moved, the checkout not yet updated' });
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((resolve) => child.once('exit', resolve));
    // Half done: the branch has the merge, the person's checkout does not have its file yet, the approval is only journaled.
    expect(existsSync(path.join(dir, 'src/api.ts'))).toBe(false);
    expect((await ok(dir, ['task', 'show', id]) as { task: { state: string } }).task.state).toBe('review');
    const report = await tt(dir, ['doctor', '--json']);
    expect((report.json() as { findings: Array<{ kind: string }> }).findings.map((f) => f.kind)).toContain('unfinished-merge');

    // Any next write (here a message that has nothing to do with the task) finishes it first.
    await ok(dir, ['send', 'conductor', 'unrelated', '--as', 'backend']);
    expect((await ok(dir, ['task', 'show', id]) as { task: { state: string } }).task.state).toBe('completed');
    expect(existsSync(journal)).toBe(false);
    expect(readFileSync(path.join(dir, 'src/api.ts'), 'utf8')).toBe('export const api = 2;\n');
    expect(git(dir, 'status', '--porcelain', '--', 'src', '.tinytown').trim()).toBe('');
    const landed = git(dir, 'log', '--format=%s', `${head}..HEAD`).split('\n').filter((line) => /: (merge|approve|send) /.test(line));
    expect(landed.map((line) => /: (\w+) /.exec(line)![1])).toEqual(['send', 'approve', 'merge']);
    // Retired as after any merge: the worktree let go of the branch, which is gone.
    expect(git(dir, 'branch', '--list', `tt/${id}`).trim()).toBe('');
    // Approving again changes nothing: the task is completed, once.
    const again = await tt(dir, ['approve', id, '--as', 'reviewer']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/completed/);
    expect(work()).toBe(snapshot);
  });

  it('rolls the approval back when the kill came before the branch moved: nothing merged, nothing approved, approving again works', async () => {
    const dir = await parallelTown();
    const id = await startedTask(dir);
    const work = personsWork(dir);
    const snapshot = work();
    expect(commitInWorktree(dir, 'backend', 'src/api.ts', 'export const api = 3;\n').code).toBe(0);
    await ok(dir, ['review', id, '--as', 'backend']);
    const head = headCommit(dir);
    // Killed (SIGKILL) right after the approval is journaled, before the merge moves the branch.
    const killed = await ttProcess(dir, ['approve', id, '--as', 'reviewer'], { TINYTOWN_TEST_KILL_AT: 'journaled' });
    expect(killed.code).not.toBe(0);
    expect(killed.stdout).toBe('');
    expect(readdirSync(path.join(stateDir(dir), 'pending')).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    expect(headCommit(dir)).toBe(head);

    await ok(dir, ['send', 'conductor', 'unrelated', '--as', 'backend']);
    expect(readdirSync(path.join(stateDir(dir), 'pending')).filter((f) => f.endsWith('.json'))).toHaveLength(0);
    expect(git(dir, 'log', '--format=%s', `${head}..HEAD`).trim()).toMatch(/^tt\(backend\): send [^\n]*$/);
    expect((await ok(dir, ['task', 'show', id]) as { task: { state: string } }).task.state).toBe('review');
    expect(existsSync(path.join(dir, 'src/api.ts'))).toBe(false);
    expect(git(dir, 'status', '--porcelain', '--', '.tinytown').trim()).toBe('');

    const approved = await ok(dir, ['approve', id, '--as', 'reviewer']) as { task: { state: string } };
    expect(approved.task.state).toBe('completed');
    expect(readFileSync(path.join(dir, 'src/api.ts'), 'utf8')).toBe('export const api = 3;\n');
    expect(work()).toBe(snapshot);
  });
});

describe('a task\'s branch follows the task', () => {
  it('continues on its branch when another agent in a worktree takes it over; approval refuses a branch touching paths held exclusively', async () => {
    const dir = await parallelTown();
    await ok(dir, ['spawn', 'helper', '--worktree', '--no-start', '--cli', 'scripted']);
    const id = await startedTask(dir);
    expect(commitInWorktree(dir, 'backend', 'src/first.ts', 'first\n').code).toBe(0);
    const first = git(agentWorktreePath(dir, 'backend'), 'rev-parse', 'HEAD').trim();
    await ok(dir, ['task', 'cancel', id]);
    await ok(dir, ['task', 'requeue', id]);
    await ok(dir, ['backlog', 'claim', id, 'helper']);
    const started = await ok(dir, ['task', 'start', id, '--as', 'helper']) as { task: { branch: string } };
    expect(started.task.branch).toBe(`tt/${id}`);
    const helper = agentWorktreePath(dir, 'helper');
    expect(git(helper, 'symbolic-ref', '--short', 'HEAD').trim()).toBe(`tt/${id}`);
    expect(git(helper, 'rev-parse', 'HEAD').trim()).toBe(first);
    expect(readFileSync(path.join(helper, 'src/first.ts'), 'utf8')).toBe('first\n');

    expect(commitInWorktree(dir, 'helper', 'src/second.ts', 'second\n').code).toBe(0);
    await ok(dir, ['review', id, '--as', 'helper']);
    await ok(dir, ['reserve', 'src/second.ts', '--exclusive', '--as', 'frontend']);
    const head = headCommit(dir);
    const held = await tt(dir, ['approve', id, '--as', 'reviewer']);
    expect(held.code).toBe(1);
    expect(held.stderr).toMatch(/src\/second\.ts: held exclusively by frontend/);
    expect(headCommit(dir)).toBe(head);
    await ok(dir, ['release', '--as', 'frontend']);
    await ok(dir, ['approve', id, '--as', 'reviewer']);
    expect(readFileSync(path.join(dir, 'src/first.ts'), 'utf8')).toBe('first\n');
    expect(readFileSync(path.join(dir, 'src/second.ts'), 'utf8')).toBe('second\n');
  });
});

describe('scripted agents in worktrees', () => {
  it('works on tt/<task-id> in its own worktree; approval merges it into main; the person\'s work untouched', async () => {
    const dir = await parallelTown();
    const work = personsWork(dir);
    const snapshot = work();
    const { task } = await ok(dir, ['assign', 'backend', 'Write the parser', '--reviewer', 'reviewer']) as { task: { id: string } };
    const status = await ok(dir, ['status', '--deep']) as { agents: Array<{ name: string; worktree: string | null }> };
    expect(status.agents.find((a) => a.name === 'backend')?.worktree).toBe(agentWorktreePath(dir, 'backend'));
    await ok(dir, ['restart', 'backend']);
    await ok(dir, ['restart', 'reviewer']);
    await waitFor(async () => (await ok(dir, ['task', 'show', task.id]) as { task: { state: string } }).task.state === 'completed', { timeoutMs: 90_000, intervalMs: 200, what: 'the task approved' });
    const merge = git(dir, 'log', '--format=%H', '--grep', '^Tinytown-Action: merge$', '-1').trim();
    expect(merge).not.toBe('');
    const workCommit = git(dir, 'log', '-1', '--format=%P', merge).trim().split(' ')[1]!;
    expect(git(dir, 'log', '-1', '--format=%an', workCommit).trim()).toBe('backend');
    expect(git(dir, 'show', '--name-only', '--format=', workCommit).trim()).toBe(`work/${task.id}.md`);
    expect(existsSync(path.join(dir, `work/${task.id}.md`))).toBe(true);
    expect(work()).toBe(snapshot);
    // Nothing of the agent's work was committed on main directly: only tt's commits and the merge.
    const direct = git(dir, 'log', '--first-parent', '--format=%s', 'main').split('\n').filter((s) => s && !s.startsWith('tt(') && s !== 'initial');
    expect(direct).toEqual([]);
  });
});

describe('tt doctor and parallel work', () => {
  it('reports expired reservations, orphaned worktrees and finished tasks\' branches; --fix removes what is safe', async () => {
    const dir = await parallelTown();
    const id = await startedTask(dir);
    await ok(dir, ['task', 'cancel', id]);
    // Cancelled: the worktree let go of the branch, which is kept (nothing merged) and reported.
    expect(spawnSync('git', ['symbolic-ref', '-q', 'HEAD'], { cwd: agentWorktreePath(dir, 'backend') }).status).not.toBe(0);
    await ok(dir, ['reserve', 'docs/**', '--ttl', '1s', '--as', 'frontend']);
    // The agent's file removed by someone else (a pull, a hand edit): its worktree is left without an owner.
    git(dir, 'rm', '-q', '.tinytown/agents/backend.md');
    git(dir, 'commit', '-q', '-m', 'backend is gone');
    await waitFor(async () => ((await ok(dir, ['reservations'])) as { reservations: Array<{ expired: boolean }> }).reservations.every((r) => r.expired), { timeoutMs: 10_000, what: 'the reservation to expire' });
    const report = await tt(dir, ['doctor', '--json']);
    expect(report.code).toBe(1);
    const kinds = (report.json() as { findings: Array<{ kind: string; fix: string | null; message: string }> }).findings;
    expect(kinds.find((f) => f.kind === 'expired-reservation')?.fix).toMatch(/remove/);
    expect(kinds.find((f) => f.kind === 'orphan-worktree')?.message).toMatch(/worktree of backend, which no longer exists/);
    // The cancelled task's branch holds no commits beyond main: it is merged in effect, so --fix may delete it.
    expect(kinds.find((f) => f.kind === 'orphan-branch')?.message).toMatch(new RegExp(`tt/${id}: its task is cancelled`));
    const fixed = await tt(dir, ['doctor', '--fix', '--json']);
    expect((fixed.json() as { findings: Array<{ kind: string; fixed: boolean }> }).findings.filter((f) => ['expired-reservation', 'orphan-worktree', 'orphan-branch'].includes(f.kind)).every((f) => f.fixed)).toBe(true);
    expect(existsSync(agentWorktreePath(dir, 'backend'))).toBe(false);
    expect(git(dir, 'branch', '--list', 'tt/*').trim()).toBe('');
    expect(trailersOf(dir)['Tinytown-Action']).toEqual(['release']);
  });
});

describe('tt prune and worktrees', () => {
  it('removes a pruned agent\'s clean worktree; keeps one holding uncommitted work and says how to save it', async () => {
    const dir = await parallelTown();
    await ok(dir, ['spawn', 'helper', '--worktree', '--no-start', '--cli', 'scripted']);
    const id = await startedTask(dir);
    expect(commitInWorktree(dir, 'backend', 'src/kept.ts', 'committed on the branch\n').code).toBe(0);
    await ok(dir, ['task', 'cancel', id]);
    await ok(dir, ['task', 'start', (await ok(dir, ['assign', 'helper', 'Draft the docs']) as { task: { id: string } }).task.id, '--as', 'helper']);
    const helper = agentWorktreePath(dir, 'helper');
    writeFileSync(path.join(helper, 'draft.md'), 'not committed yet\n');

    const clean = await tt(dir, ['prune', 'backend', '--force', '--json']);
    expect(clean.code).toBe(0);
    expect((clean.json() as { worktrees: Array<{ agent: string; removed: boolean }> }).worktrees).toEqual([expect.objectContaining({ agent: 'backend', removed: true })]);
    expect(existsSync(agentWorktreePath(dir, 'backend'))).toBe(false);
    expect(git(dir, 'worktree', 'list', '--porcelain')).not.toContain(agentWorktreePath(dir, 'backend'));
    // The task's branch, with its commit, stays (tt doctor lists it).
    expect(git(dir, 'log', '-1', '--format=%s', `tt/${id}`).trim()).toBe('backend: src/kept.ts');

    const dirty = await tt(dir, ['prune', 'helper', '--force']);
    expect(dirty.code).toBe(0);
    expect(dirty.stderr).toMatch(/kept the worktree of helper at .*: it holds 1 uncommitted change\(s\); commit them there/);
    expect(readFileSync(path.join(helper, 'draft.md'), 'utf8')).toBe('not committed yet\n');
    const report = (await tt(dir, ['doctor', '--json'])).json() as { findings: Array<{ kind: string; message: string; fix: string | null }> };
    const orphan = report.findings.find((f) => f.kind === 'orphan-worktree');
    expect(orphan?.message).toMatch(/worktree of helper.*1 uncommitted change\(s\), so it is kept/);
    expect(orphan?.fix).toBeNull();
  });
});

describe('tt recover and work that already landed', () => {
  it('closes a stopped agent\'s task whose branch is already in main instead of handing it out again; leaves one with no work', async () => {
    const dir = await parallelTown();
    await ok(dir, ['spawn', 'helper', '--worktree', '--no-start', '--cli', 'scripted']);
    // No reviewer: its branch merged by hand (as a person might), then its agent stopped.
    const { task: plain } = await ok(dir, ['assign', 'backend', 'Plain work']) as { task: { id: string } };
    await ok(dir, ['task', 'start', plain.id, '--as', 'backend']);
    expect(commitInWorktree(dir, 'backend', 'src/plain.ts', 'plain\n').code).toBe(0);
    const plainTip = git(agentWorktreePath(dir, 'backend'), 'rev-parse', 'HEAD').trim();
    git(dir, 'merge', '-q', '--no-ff', '-m', 'merge plain work by hand', `tt/${plain.id}`);
    // With a reviewer: landed the same way; only the reviewer completes it.
    const { task: reviewed } = await ok(dir, ['assign', 'helper', 'Reviewed work', '--reviewer', 'reviewer']) as { task: { id: string } };
    await ok(dir, ['task', 'start', reviewed.id, '--as', 'helper']);
    expect(commitInWorktree(dir, 'helper', 'src/reviewed.ts', 'reviewed\n').code).toBe(0);
    const reviewedTip = git(agentWorktreePath(dir, 'helper'), 'rev-parse', 'HEAD').trim();
    git(dir, 'merge', '-q', '--no-ff', '-m', 'merge reviewed work by hand', `tt/${reviewed.id}`);
    // Started, nothing committed (no worktree, and below one on a branch of its own): not landed, whatever its tip.
    const { task: empty } = await ok(dir, ['assign', 'frontend', 'Not begun']) as { task: { id: string } };
    await ok(dir, ['task', 'start', empty.id, '--as', 'frontend']);
    // Its branch's tip is in main (it began there), but the branch holds no work of its own.
    const { task: idle } = await ok(dir, ['assign', 'backend', 'Started on a branch, nothing committed', '--reviewer', 'reviewer']) as { task: { id: string } };
    const idleStart = await ok(dir, ['task', 'start', idle.id, '--as', 'backend']) as { task: { branch: string } };
    expect(idleStart.task.branch).toBe(`tt/${idle.id}`);

    const run = await tt(dir, ['recover']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`${plain.id}: its work is already in the town's branch \\(${plainTip.slice(0, 12)}\\): completed as landed`));
    expect(run.stdout).toMatch(new RegExp(`${reviewed.id}: .*sent to its reviewer`));
    const show = async (id: string) => (await ok(dir, ['task', 'show', id]) as { task: { state: string; result: string | null; review_commit: string | null } }).task;
    expect(await show(plain.id)).toMatchObject({ state: 'completed', result: expect.stringMatching(new RegExp(`^landed: tt/${plain.id} at ${plainTip.slice(0, 12)} is already in main`)) });
    expect(git(dir, 'branch', '--list', `tt/${plain.id}`).trim()).toBe('');
    expect(await show(reviewed.id)).toMatchObject({ state: 'review', review_commit: reviewedTip });
    expect(await show(empty.id)).toMatchObject({ state: 'running' });
    expect(await show(idle.id)).toMatchObject({ state: 'running' });
    const request = (await ok(dir, ['inbox', 'reviewer']) as { messages: Array<{ type: string; task: string; body: string }> }).messages.find((m) => m.task === reviewed.id);
    expect(request).toMatchObject({ type: 'review_request', body: expect.stringMatching(/Nothing is left to merge/) });

    // Recover again: nothing more to settle, nothing committed twice.
    const head = headCommit(dir);
    expect((await tt(dir, ['recover', '--json'])).json()).toMatchObject({ landed: [] });
    expect(headCommit(dir)).toBe(head);
    // The reviewer's approval merges nothing: the commit is in main already.
    const approved = await ok(dir, ['approve', reviewed.id, '--as', 'reviewer']) as { task: { state: string; reviewed_commit: string } };
    expect(approved.task).toMatchObject({ state: 'completed', reviewed_commit: reviewedTip });
    expect(git(dir, 'log', '--format=%s', `${head}..HEAD`).trim().split('\n')).toEqual([expect.stringMatching(/^tt\(reviewer\): approve /)]);
    // The task with no work is handed out as before.
    const reclaimed = (await tt(dir, ['reclaim', '--from', 'frontend', '--to-backlog', '--json'])).json() as { tasks: Array<{ id: string }>; landed: unknown[] };
    expect(reclaimed.tasks.map((t) => t.id)).toEqual([empty.id]);
    expect(reclaimed.landed).toEqual([]);
  });
});
