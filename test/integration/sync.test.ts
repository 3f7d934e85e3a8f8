/**
 * `tt sync` between three clones of one local bare remote, through the real
 * binary (bin/tt.js, the built bundle), as agents on three machines would run it.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MERGED_BODY_MARKER } from '../../src/core/merge.js';
import type { Task } from '../../src/core/types.js';
import { formatTask, parseMessage, parseTask } from '../../src/store/records.js';
import { bareRemote, cloneOf, filesWithConflictMarkers, townFiles } from '../helpers/clones.js';
import { git, headCommit, tempRepo, trailersOf } from '../helpers/repo.js';
import { tt, ttProcess, type TtResult } from '../helpers/tt.js';

const AGENTS = ['alice', 'bob', 'carol'] as const;
const ROUNDS = 3;

interface SyncJson {
  merged: number;
  pushed: boolean;
  retries: number;
  duration_ms: number;
  notices: Array<{ task: string; winner: string; loser: string }>;
}

function ok(run: TtResult, what: string): TtResult {
  expect(run.code, `${what}: ${run.stderr}${run.stdout}`).toBe(0);
  return run;
}

async function run(dir: string, args: string[], env: Record<string, string> = {}): Promise<TtResult> {
  return ok(await ttProcess(dir, args, env), `tt ${args.join(' ')} in ${path.basename(dir)}`);
}

async function taskId(dir: string, args: string[]): Promise<string> {
  return (await run(dir, [...args, '--json'])).json<{ task: { id: string } }>().task.id;
}

/** A clone with the town and agents, pushed to a new bare remote, plus two fresh clones set up with tt init. */
async function threeClones(): Promise<{ remote: string; clones: string[] }> {
  const remote = bareRemote();
  const first = tempRepo();
  git(first, 'config', 'user.name', 'Clone 1');
  ok(await tt(first, ['init']), 'init');
  for (const agent of AGENTS) ok(await tt(first, ['spawn', agent, '--no-start']), `spawn ${agent}`);
  git(first, 'remote', 'add', 'origin', remote);
  git(first, 'push', '-q', '-u', 'origin', 'main');
  const clones = [first];
  for (const n of [2, 3]) {
    const clone = cloneOf(remote, `Clone ${n}`);
    ok(await tt(clone, ['init']), `init clone ${n}`);
    clones.push(clone);
  }
  return { remote, clones };
}

/** A hand edit of a task, committed with plain git, as a person on that machine would. */
function editTask(dir: string, id: string, change: (task: Task) => Task): void {
  const file = `.tinytown/tasks/${id}.md`;
  const task = parseTask(readFileSync(path.join(dir, file), 'utf8'), file);
  writeFileSync(path.join(dir, file), formatTask(change({ ...task, updated: new Date().toISOString() })));
  git(dir, 'commit', '-q', '-m', `edit ${id} by hand`, '--', file);
}

function readTask(dir: string, id: string): Task {
  const file = `.tinytown/tasks/${id}.md`;
  return parseTask(readFileSync(path.join(dir, file), 'utf8'), file);
}

/** Every message in a town (unread and read), parsed. */
function allMessages(dir: string) {
  return [...townFiles(dir)].filter(([file]) => /^\.tinytown\/inbox\/[^/]+\/(read\/)?[^/]+\.md$/.test(file)).map(([file, text]) => parseMessage(text, file));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('tt sync across three clones', () => {
  it('converges after concurrent rounds: identical towns, no message lost, no conflict marker, one assignee per contested claim', async () => {
    const { remote, clones } = await threeClones();
    const [c1] = clones as [string, string, string];
    const shared = await taskId(c1, ['assign', 'alice', 'The shared task', '--title', 'Shared']);
    const contested: string[] = [];
    for (let round = 0; round < ROUNDS; round++) contested.push(await taskId(c1, ['backlog', 'add', `Contested task ${round}`]));
    ok(await ttProcess(c1, ['sync']), 'seed sync');
    for (const clone of clones.slice(1)) ok(await ttProcess(clone, ['sync']), 'first sync');

    const sent: string[] = [];
    const expectedClaims: Array<{ task: string; winner: string; loser: string }> = [];
    const syncTimes: number[] = [];
    let retries = 0;
    let edits = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // The same backlog task claimed on two clones before they meet: the first claim is the earlier one.
      const [first, second] = [round % 3, (round + 1) % 3];
      await run(clones[first]!, ['backlog', 'claim', contested[round]!, AGENTS[first]!]);
      await run(clones[second]!, ['backlog', 'claim', contested[round]!, AGENTS[second]!]);
      edits += 2;
      expectedClaims.push({ task: contested[round]!, winner: AGENTS[first]!, loser: AGENTS[second]! });

      await Promise.all(clones.map(async (clone, c) => {
        const me = AGENTS[c]!;
        for (let m = 0; m < 2; m++) {
          const text = `clone ${c + 1} round ${round} message ${m}`;
          sent.push(text);
          await run(clone, ['send', AGENTS[(c + 1 + m) % 3]!, text, '--from', me]);
        }
        const own = await taskId(clone, ['backlog', 'add', `clone ${c + 1} round ${round} own task`]);
        await run(clone, ['backlog', 'claim', own, me]);
        // The shared task, edited on every clone: state by tt, fields and text by hand.
        if (round === 0 && c === 0) await run(clone, ['task', 'start', shared], { TINYTOWN_AGENT: 'alice' });
        else if (round === ROUNDS - 1 && c === 0) await run(clone, ['task', 'complete', shared, '--result', 'done on clone 1'], { TINYTOWN_AGENT: 'alice' });
        else if (c === 0) editTask(clone, shared, (t) => ({ ...t, tags: [...t.tags, `r${round}`] }));
        else editTask(clone, shared, (t) => ({ ...t, priority: c === 1 ? 'high' : 'urgent', body: `${t.body.trim()}\n\nclone ${c + 1} round ${round} notes\n` }));
        await run(clone, ['inbox', me, '--mark-read'], { TINYTOWN_AGENT: me });
        edits += 6;
      }));

      const syncs = await Promise.all(clones.map(async (clone) => {
        const started = Date.now();
        const result = await run(clone, ['sync', '--json']);
        syncTimes.push(Date.now() - started);
        return result.json<SyncJson>();
      }));
      retries += syncs.reduce((sum, result) => sum + result.retries, 0);
    }

    // Quiet passes until every clone holds the remote's head.
    const remoteHead = () => git(remote, 'rev-parse', 'main').trim();
    const quietTimes: number[] = [];
    for (let pass = 0; pass < 3 && !clones.every((clone) => headCommit(clone) === remoteHead()); pass++) {
      for (const clone of clones) {
        const started = Date.now();
        await run(clone, ['sync']);
        quietTimes.push(Date.now() - started);
      }
    }
    for (const clone of clones) expect(headCommit(clone)).toBe(remoteHead());

    const reference = townFiles(c1);
    for (const clone of clones) {
      expect([...townFiles(clone).keys()]).toEqual([...reference.keys()]);
      expect(townFiles(clone)).toEqual(reference);
      expect(filesWithConflictMarkers(clone)).toEqual([]);
      expect(git(clone, 'status', '--porcelain', '.tinytown').trim()).toBe('');
      const doctor = await tt(clone, ['doctor', '--json']);
      const findings = doctor.json<{ findings: Array<{ kind: string; file: string }> }>().findings;
      expect(findings.filter((f) => f.kind !== 'merged-body')).toEqual([]);
      expect(doctor.code).toBe(findings.length === 0 ? 0 : 1);
    }

    const messages = allMessages(c1);
    for (const text of sent) expect(messages.filter((m) => m.body.trim() === text), text).toHaveLength(1);
    for (const claim of expectedClaims) {
      expect(readTask(c1, claim.task)).toMatchObject({ state: 'assigned', assignee: claim.winner });
      const told = messages.filter((m) => m.to === claim.loser && m.type === 'info' && m.task === claim.task);
      expect(told, `${claim.loser} told about ${claim.task}`).toHaveLength(1);
      expect(told[0]!.body).toContain(claim.winner);
    }
    const final = readTask(c1, shared);
    expect(final).toMatchObject({ state: 'completed', assignee: 'alice', result: 'done on clone 1' });
    expect(final.tags).toEqual(expect.arrayContaining(['r1']));
    expect(final.body).toContain('clone 2 round');
    expect(final.body).toContain('clone 3 round');
    expect(final.body).toContain(MERGED_BODY_MARKER);

    // For the closing report.
    console.log(`sync test: ${ROUNDS} rounds x ${clones.length} clones, ${edits} edits, ${sent.length} messages, ${retries} push retries; ` +
      `tt sync wall time, 3 at once: median ${median(syncTimes)} ms (min ${Math.min(...syncTimes)}, max ${Math.max(...syncTimes)}, n=${syncTimes.length}); ` +
      `one at a time: median ${median(quietTimes)} ms (n=${quietTimes.length})`);
  }, 300_000);
});

describe('tt sync refuses and retries', () => {
  it('refuses to start while a merge is in progress, says why, and pushes nothing', async () => {
    const { remote, clones } = await threeClones();
    const [a, b] = clones as [string, string, string];
    for (const [dir, text] of [[a, 'from a\n'], [b, 'from b\n']] as const) {
      writeFileSync(path.join(dir, 'README.md'), text);
      git(dir, 'commit', '-q', '-am', 'edit readme');
    }
    git(a, 'push', '-q');
    expect(() => git(b, 'pull', '-q', '--no-rebase', '--no-edit')).toThrow();
    await run(b, ['send', 'alice', 'written during the merge']);
    const before = git(remote, 'rev-parse', 'main').trim();
    const sync = await ttProcess(b, ['sync']);
    expect(sync.code).toBe(1);
    expect(sync.stderr).toContain('a git merge is in progress');
    expect(sync.stderr).toContain('README.md');
    expect(sync.stderr).toContain('git merge --abort');
    expect(git(remote, 'rev-parse', 'main').trim()).toBe(before);
    // Once the person finishes the merge, sync commits what was written meanwhile and pushes it all.
    writeFileSync(path.join(b, 'README.md'), 'from a and b\n');
    git(b, 'commit', '-q', '-am', 'merge readme');
    const after = (await run(b, ['sync', '--json'])).json<SyncJson>();
    expect(after.pushed).toBe(true);
    expect(git(remote, 'log', '--format=%s', 'main')).toContain('send to alice: written during the merge');
  }, 120_000);

  it('retries a push rejected because another clone pushed first', async () => {
    const { remote, clones } = await threeClones();
    const [, b, c] = clones as [string, string, string];
    await run(b, ['send', 'alice', 'from b']);
    await run(c, ['send', 'bob', 'from c']);
    // c pushes at the last moment before b's push: b's push is rejected once, for certain.
    const marker = path.join(b, '.git', 'raced');
    const hook = path.join(b, '.git', 'hooks', 'pre-push');
    writeFileSync(hook, `#!/bin/sh\nif [ ! -e '${marker}' ]; then\n  touch '${marker}'\n  unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE\n  cd '${c}' && git push -q origin HEAD:main >/dev/null 2>&1\nfi\nexit 0\n`);
    chmodSync(hook, 0o755);
    const result = (await run(b, ['sync', '--json'])).json<SyncJson>();
    expect(result.retries).toBe(1);
    expect(result.pushed).toBe(true);
    const log = git(remote, 'log', '--format=%s', 'main');
    expect(log).toContain('send to alice: from b');
    expect(log).toContain('send to bob: from c');
  }, 120_000);

  it('lets two clones sync at once: both succeed and meet', async () => {
    const { remote, clones } = await threeClones();
    const [a, b] = clones as [string, string, string];
    await Promise.all([run(a, ['send', 'carol', 'from a']), run(b, ['send', 'carol', 'from b'])]);
    const results = await Promise.all([a, b].map(async (dir) => (await run(dir, ['sync', '--json'])).json<SyncJson>()));
    expect(results.every((r) => r.pushed)).toBe(true);
    for (const dir of [a, b]) await run(dir, ['sync']);
    for (const dir of [a, b]) expect(headCommit(dir)).toBe(git(remote, 'rev-parse', 'main').trim());
    expect(townFiles(a)).toEqual(townFiles(b));
    expect(allMessages(a).filter((m) => m.to === 'carol').map((m) => m.body.trim()).sort()).toEqual(['from a', 'from b']);
  }, 120_000);

  it('keeps a task one clone claimed and another removed from the backlog (git cannot hand that to the driver)', async () => {
    const { clones } = await threeClones();
    const [a, b] = clones as [string, string, string];
    const id = await taskId(a, ['backlog', 'add', 'Maybe not needed']);
    await run(a, ['sync']);
    await run(b, ['sync']);
    await run(a, ['backlog', 'remove', id]);
    await run(b, ['backlog', 'claim', id, 'bob']);
    await run(a, ['sync']);
    const result = (await run(b, ['sync', '--json'])).json<SyncJson & { resolved: string[] }>();
    expect(result.resolved).toEqual([`.tinytown/tasks/${id}.md`]);
    expect(result.pushed).toBe(true);
    expect(readTask(b, id)).toMatchObject({ state: 'assigned', assignee: 'bob' });
    expect(git(b, 'status', '--porcelain').trim()).toBe('');
    // The merge commit reads like every tt commit: the acting agent as author, trailers last.
    expect(git(b, 'log', '-1', '--format=%an|%s|%P').split('|').slice(0, 2)).toEqual(['conductor', 'tt(conductor): merge origin/main (1 commit)']);
    expect(git(b, 'log', '-1', '--format=%P').trim().split(' ')).toHaveLength(2);
    expect(trailersOf(b)).toMatchObject({ 'Tinytown-Action': ['merge'], 'Tinytown-Agent': ['conductor'] });
  }, 120_000);

  it('says what is missing without a remote or an upstream, and --help says it pushes the current branch', async () => {
    const dir = tempRepo();
    ok(await tt(dir, ['init']), 'init');
    const none = await ttProcess(dir, ['sync']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no remote');
    const remote = bareRemote();
    git(dir, 'remote', 'add', 'origin', remote);
    const noUpstream = await ttProcess(dir, ['sync', '--json']);
    expect(noUpstream.code).toBe(1);
    expect(noUpstream.json()).toMatchObject({ kind: 'error', code: 'not_found' });
    expect(noUpstream.json<{ message: string }>().message).toContain('no upstream');
    const named = (await run(dir, ['sync', '--remote', 'origin', '--json'])).json<SyncJson>();
    expect(named.pushed).toBe(true);
    expect(git(remote, 'rev-parse', 'main').trim()).toBe(headCommit(dir));
    const help = await ttProcess(dir, ['sync', '--help']);
    expect(help.stdout).toContain('PUSHES THE CURRENT BRANCH');
  }, 120_000);
});

describe('worktrees', () => {
  it('share the main checkout\'s town through TINYTOWN_DIR: writes commit there, the worktree stays clean', async () => {
    const main = tempRepo();
    ok(await tt(main, ['init']), 'init');
    const wt = path.join(tempRepo({ initialCommit: false }), 'api');
    git(main, 'worktree', 'add', '-q', '-b', 'api', wt);
    ok(await tt(wt, ['send', 'conductor', 'from the api worktree'], { TINYTOWN_DIR: main }), 'send from worktree');
    expect(git(main, 'log', '-1', '--format=%s', 'main')).toContain('from the api worktree');
    expect(git(wt, 'log', '-1', '--format=%s', 'api')).not.toContain('from the api worktree');
    expect(git(wt, 'status', '--porcelain')).toBe('');
    expect(git(main, 'status', '--porcelain')).toBe('');
    // The merge driver's registration is the repository's, so it holds in the worktree too.
    expect(git(wt, 'config', '--get', 'merge.tinytown.driver')).toContain('merge-driver');
  });
});
