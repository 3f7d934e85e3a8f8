import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, tempRepo } from '../helpers/repo.js';
import { TT_BIN, townWithTeam, tt, ttProcess } from '../helpers/tt.js';
import { waitFor } from '../helpers/wait.js';

function committedMessages(dir: string): string[] {
  return git(dir, 'ls-tree', '-r', '--name-only', 'HEAD', '.tinytown/inbox').split('\n').filter((p) => p.endsWith('.md'));
}

function lockLeft(dir: string): boolean {
  return existsSync(path.join(dir, '.git/tinytown/lock'));
}

describe('many writers, one town', () => {
  it('keeps all 400 messages of 8 processes × 50 sends, with a clean status and fsck', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const writers = Array.from({ length: 8 }, (_, writer) => (async () => {
      const codes: number[] = [];
      for (let i = 0; i < 50; i++) codes.push((await ttProcess(dir, ['send', 'backend', `writer ${writer} message ${i}`])).code);
      return codes;
    })());
    const codes = (await Promise.all(writers)).flat();
    expect(codes.filter((code) => code !== 0)).toEqual([]);
    expect(committedMessages(dir)).toHaveLength(400);
    expect(git(dir, 'status', '--porcelain', '.tinytown').trim()).toBe('');
    git(dir, 'fsck', '--strict', '--no-progress');
    expect(lockLeft(dir)).toBe(false);
    const bodies = readdirSync(path.join(dir, '.tinytown/inbox/backend')).map((f) => readFileSync(path.join(dir, '.tinytown/inbox/backend', f), 'utf8'));
    expect(new Set(bodies.map((b) => /writer \d+ message \d+/.exec(b)?.[0])).size).toBe(400);
  }, 240_000);

  it('lets exactly one of 8 racing claims win; the others name the winner', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const agents = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8'];
    for (const agent of agents) expect((await tt(dir, ['spawn', agent, '--no-start'])).code).toBe(0);
    const id = (await tt(dir, ['backlog', 'add', 'The one task', '--json'])).json<{ task: { id: string } }>().task.id;
    const runs = await Promise.all(agents.map((agent) => ttProcess(dir, ['backlog', 'claim', id, agent], { TINYTOWN_AGENT: agent })));
    const winners = runs.map((run, i) => ({ run, agent: agents[i]! })).filter(({ run }) => run.code === 0);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!.agent;
    for (const run of runs.filter((r) => r.code !== 0)) {
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${winner} has it`);
    }
    expect(readFileSync(path.join(dir, `.tinytown/tasks/${id}.md`), 'utf8')).toContain(`assignee: ${winner}`);
    expect(git(dir, 'log', '--format=%s', '--grep', `^Tinytown-Action: claim`).trim().split('\n')).toHaveLength(1);
  }, 120_000);

  it('loses no update when start, complete, cancel and requeue race on one task', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const id = (await tt(dir, ['assign', 'backend', 'Contended task', '--json'])).json<{ task: { id: string } }>().task.id;
    const file = `.tinytown/tasks/${id}.md`;
    let succeeded = 0;
    for (let round = 0; round < 4; round++) {
      const runs = await Promise.all([
        ttProcess(dir, ['task', 'start', id]),
        ttProcess(dir, ['task', 'complete', id, '--result', `round ${round}`]),
        ttProcess(dir, ['task', 'cancel', id]),
        ttProcess(dir, ['task', 'requeue', id]),
        ttProcess(dir, ['backlog', 'claim', id, 'backend']),
      ]);
      for (const run of runs) expect([0, 1]).toContain(run.code);
      succeeded += runs.filter((run) => run.code === 0).length;
      // Every refusal names the state it saw; it never half-applies.
      for (const run of runs.filter((r) => r.code === 1)) expect(run.stderr).toMatch(/it is (pending|assigned|running|completed|cancelled)/);
      const state = /state: (\w+)/.exec(readFileSync(path.join(dir, file), 'utf8'))![1];
      if (state === 'completed') break;
      if (state === 'pending') expect((await tt(dir, ['backlog', 'claim', id, 'backend'])).code).toBe(0), succeeded++;
    }
    // Each successful command is exactly one commit of the task file: none was lost or merged away.
    const commitsOfTask = git(dir, 'log', '--format=%H', '--', file).trim().split('\n').length;
    expect(commitsOfTask).toBe(succeeded + 1);
    expect(git(dir, 'status', '--porcelain', '.tinytown').trim()).toBe('');
  }, 120_000);
});

/**
 * Sends a message with a tt that the test hook holds inside the town lock after
 * its files are written and journaled, and kills it there with SIGKILL.
 */
async function sendAndCrashInsideLock(dir: string, text: string): Promise<void> {
  const child = spawn(process.execPath, [TT_BIN, 'send', 'backend', text], {
    cwd: dir, env: { ...process.env, TINYTOWN_TEST_PAUSE_IN_LOCK_MS: '60000' }, stdio: 'ignore',
  });
  const inbox = path.join(dir, '.tinytown/inbox/backend');
  await waitFor(() => existsSync(inbox) && readdirSync(inbox).some((f) => f.endsWith('.md')), { timeoutMs: 20_000 });
  expect(lockLeft(dir)).toBe(true);
  child.kill('SIGKILL');
  await new Promise((resolve) => child.on('exit', resolve));
}

describe('group commit', () => {
  it('writers journal while another commits; the next commit takes all their changes along in one chain', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    // A live process holds the commit lock (this test's own pid): the writers journal, write their files, and wait.
    const commitLock = path.join(dir, '.git/tinytown/commit.lock');
    writeFileSync(commitLock, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString(), command: 'test' }));
    const reflogBefore = git(dir, 'reflog', 'show', '--format=%H', 'HEAD').split('\n').filter(Boolean).length;
    const headBefore = git(dir, 'rev-parse', 'HEAD').trim();
    const sends = ['one', 'two', 'three'].map((word) => ttProcess(dir, ['send', 'backend', `message ${word}`]));
    const pending = path.join(dir, '.git/tinytown/pending');
    // Journaled, on disk, not committed, and the town lock free: a reader or a fourth writer is not held up.
    await waitFor(() => existsSync(pending) && readdirSync(pending).filter((f) => f.endsWith('.json')).length === 3 && !lockLeft(dir), { timeoutMs: 30_000 });
    expect(readdirSync(path.join(dir, '.tinytown/inbox/backend')).filter((f) => f.endsWith('.md'))).toHaveLength(3);
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(headBefore);
    unlinkSync(commitLock);
    const results = await Promise.all(sends);
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    // Three commits published by one update-ref (one reflog entry).
    expect(git(dir, 'log', '--format=%s', `${headBefore}..HEAD`).trim().split('\n').sort())
      .toEqual(['one', 'three', 'two'].map((word) => `tt(conductor): send to backend: message ${word}`));
    expect(git(dir, 'reflog', 'show', '--format=%H', 'HEAD').split('\n').filter(Boolean).length).toBe(reflogBefore + 1);
    expect(readdirSync(pending).filter((f) => f.endsWith('.json'))).toEqual([]);
    expect(git(dir, 'status', '--porcelain', '.tinytown').trim()).toBe('');
  }, 120_000);

  it('a journaled change waiting for its commit is tt\'s own: the watcher does not take it in as a hand edit', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const commitLock = path.join(dir, '.git/tinytown/commit.lock');
    writeFileSync(commitLock, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString(), command: 'test' }));
    const send = ttProcess(dir, ['send', 'backend', 'on its way']);
    await waitFor(() => existsSync(path.join(dir, '.git/tinytown/pending')) && readdirSync(path.join(dir, '.git/tinytown/pending')).length === 1 && !lockLeft(dir), { timeoutMs: 30_000 });
    const watch = ttProcess(dir, ['watch', '--once']);
    // Time for the watcher to assess the file while the send waits; it then waits for the commit lock too.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    unlinkSync(commitLock);
    const [sent, watched] = await Promise.all([send, watch]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(watched.stdout).not.toContain('accepted');
    const actions = git(dir, 'log', '--format=%(trailers:key=Tinytown-Action,valueonly)', '-3').split('\n').filter(Boolean);
    expect(actions[0]).toBe('send');
    expect(actions).not.toContain('accept');
    expect(git(dir, 'status', '--porcelain', '.tinytown').trim()).toBe('');
  }, 120_000);
});

describe('crashes', () => {
  it('recovers within 5 s from a tt killed with SIGKILL while holding the lock, and commits its change', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    await sendAndCrashInsideLock(dir, 'written before the crash');
    // What is visible is whole: every town file parses.
    expect((await tt(dir, ['inbox', 'backend', '--json'])).json<{ messages: Array<{ body: string }> }>().messages.map((m) => m.body)).toEqual(['written before the crash\n']);
    const started = Date.now();
    const next = await ttProcess(dir, ['send', 'frontend', 'after the crash']);
    const recoveryMs = Date.now() - started;
    expect(next.code, next.stderr).toBe(0);
    expect(recoveryMs).toBeLessThan(5_000);
    expect(committedMessages(dir)).toHaveLength(2);
    expect(lockLeft(dir)).toBe(false);
    expect(git(dir, 'status', '--porcelain', '.tinytown').trim()).toBe('');
  }, 60_000);

  it('tt doctor finds and --fix cleans what a crash leaves: a stale lock, temp files, an unfinished commit', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    await sendAndCrashInsideLock(dir, 'half done');
    writeFileSync(path.join(dir, '.tinytown/agents/.backend.md.999.xyz.tmp'), '---\nname: back');
    const check = await tt(dir, ['doctor', '--json']);
    expect(check.code).toBe(1);
    const kinds = check.json<{ findings: Array<{ kind: string }> }>().findings.map((f) => f.kind).sort();
    expect(kinds).toEqual(['stale-lock', 'temp-file', 'unfinished-commit']);
    const fix = await tt(dir, ['doctor', '--fix']);
    expect(fix.code, fix.stdout).toBe(0);
    expect(fix.stdout).toContain('All fixed.');
    expect((await tt(dir, ['doctor'])).code).toBe(0);
    expect(committedMessages(dir)).toHaveLength(1);
    expect(lockLeft(dir)).toBe(false);
  }, 60_000);
});

describe('the user commits while tt writes', () => {
  it('retries git\'s index.lock, keeps town files out of the user\'s commits and the user\'s staged work staged', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    let stop = false;
    let userCommits = 0;
    const userLoop = (async () => {
      while (!stop) {
        writeFileSync(path.join(dir, 'user.txt'), `edit ${userCommits}\n`);
        await new Promise<void>((resolve) => {
          const add = spawn('git', ['add', 'user.txt'], { cwd: dir });
          add.on('close', () => {
            const commit = spawn('git', ['commit', '-q', '-m', `user commit ${userCommits}`], { cwd: dir });
            commit.on('close', (code) => {
              if (code === 0) userCommits++;
              resolve();
            });
          });
        });
      }
    })();
    const writers = Array.from({ length: 4 }, (_, writer) => (async () => {
      const codes: number[] = [];
      for (let i = 0; i < 15; i++) {
        const run = await ttProcess(dir, ['send', 'backend', `w${writer} m${i}`]);
        if (run.code !== 0) codes.push(run.code), console.error(run.stderr);
      }
      return codes;
    })());
    const failures = (await Promise.all(writers)).flat();
    stop = true;
    await userLoop;
    expect(failures).toEqual([]);
    expect(userCommits).toBeGreaterThan(3);
    // The user's commits never change a town file, nor add one tt had not committed. git reads
    // the index before it locks it, so a user commit racing a tt commit can record a town
    // file's deletion (tt notices and commits the file again: action restore), and git, which
    // then does not rewrite the unchanged index, can let the user's next commit add that same
    // file back, byte for byte as tt committed it. Nothing is lost or altered either way.
    expect((await ttProcess(dir, ['send', 'frontend', 'settle'])).code).toBe(0);
    expect(committedMessages(dir)).toHaveLength(61);
    const userLog = git(dir, 'log', '--format=%H', '--grep', '^user commit').trim().split('\n');
    for (const commit of userLog) {
      for (const line of git(dir, 'show', '--format=', '--name-status', '--no-renames', commit).split('\n').filter((l) => l.includes('.tinytown/'))) {
        const [status, file] = line.split('\t') as [string, string];
        expect(status, `${commit}: ${line}`).toMatch(/^[AD]$/);
        if (status === 'A') expect(git(dir, 'show', `${commit}:${file}`), `${commit}: ${line}`).toBe(git(dir, 'show', `HEAD:${file}`));
      }
    }
    // A staged file of the user's survives a tt write untouched.
    writeFileSync(path.join(dir, 'staged.txt'), 'staged\n');
    git(dir, 'add', 'staged.txt');
    expect((await ttProcess(dir, ['send', 'backend', 'one more'])).code).toBe(0);
    expect(git(dir, 'diff', '--cached', '--name-only').trim()).toBe('staged.txt');
  }, 180_000);
});
