import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitCount, commitPaths, git, tempRepo, trailersOf, treeSnapshot } from '../helpers/repo.js';
import { townWithTeam, tt } from '../helpers/tt.js';

describe('every write is one commit of its own town paths', () => {
  it('commits send, assign, start, read and backlog with trailers and the acting agent as author', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);

    let before = commitCount(dir);
    const sent = await tt(dir, ['send', 'backend', 'Build the API', '--json']);
    expect(sent.code).toBe(0);
    const message = sent.json<{ message: { id: string; path: string } }>().message;
    expect(commitCount(dir)).toBe(before + 1);
    expect(commitPaths(dir)).toEqual([message.path]);
    expect(trailersOf(dir)).toMatchObject({ 'Tinytown-Action': ['send'], 'Tinytown-Agent': ['conductor'], 'Tinytown-Message': [message.id] });
    expect(git(dir, 'log', '-1', '--format=%an <%ae>|%s').trim()).toBe(`conductor <conductor@tinytown.invalid>|tt(conductor): send to backend: Build the API`);

    before = commitCount(dir);
    const assigned = (await tt(dir, ['assign', 'backend', 'Build the API', '--json'])).json<{ task: { id: string; path: string } }>().task;
    expect(commitCount(dir)).toBe(before + 1);
    const paths = commitPaths(dir);
    expect(paths).toContain(assigned.path);
    expect(paths).toHaveLength(2);
    expect(paths.every((p) => p.startsWith('.tinytown/'))).toBe(true);
    expect(trailersOf(dir)).toMatchObject({ 'Tinytown-Action': ['assign'], 'Tinytown-Task': [assigned.id] });

    before = commitCount(dir);
    expect((await tt(dir, ['task', 'start', assigned.id], { TINYTOWN_AGENT: 'backend' })).code).toBe(0);
    expect(commitCount(dir)).toBe(before + 1);
    expect(commitPaths(dir)).toEqual([assigned.path]);
    expect(git(dir, 'log', '-1', '--format=%an').trim()).toBe('backend');
    expect(trailersOf(dir)).toMatchObject({ 'Tinytown-Action': ['start'], 'Tinytown-Agent': ['backend'], 'Tinytown-Task': [assigned.id] });

    before = commitCount(dir);
    const read = await tt(dir, ['inbox', 'backend', '--mark-read', '--json']);
    expect(read.json<{ messages: unknown[] }>().messages).toHaveLength(2);
    expect(commitCount(dir)).toBe(before + 1);
    expect(commitPaths(dir)).toHaveLength(4); // two moves: from inbox/backend/ to inbox/backend/read/
    expect(trailersOf(dir)['Tinytown-Action']).toEqual(['read']);
    expect((await tt(dir, ['inbox', 'backend', '--json'])).json<{ messages: unknown[] }>().messages).toHaveLength(0);

    const added = (await tt(dir, ['backlog', 'add', 'Write docs', '--json'])).json<{ task: { id: string } }>().task;
    expect(trailersOf(dir)['Tinytown-Action']).toEqual(['backlog-add']);
    expect((await tt(dir, ['backlog', 'claim', added.id.slice(2, 6), 'frontend'])).code).toBe(0);
    expect(trailersOf(dir)).toMatchObject({ 'Tinytown-Action': ['claim'], 'Tinytown-Task': [added.id] });
    expect(git(dir, 'status', '--porcelain').trim()).toBe('');
  });

  it('leaves the user\'s staged, unstaged and untracked work exactly as it was', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    writeFileSync(path.join(dir, 'staged.txt'), 'staged\n');
    git(dir, 'add', 'staged.txt');
    writeFileSync(path.join(dir, 'README.md'), 'unstaged edit\n');
    writeFileSync(path.join(dir, 'untracked.txt'), 'untracked\n');
    const userState = () => [git(dir, 'diff', '--cached', '--name-status', '--', ':(exclude).tinytown'), git(dir, 'diff', '--name-status'), git(dir, 'ls-files', '--others', '--exclude-standard')].join('|');
    const expected = userState();
    expect(expected).toContain('staged.txt');
    const id = (await tt(dir, ['assign', 'backend', 'Task', '--json'])).json<{ task: { id: string } }>().task.id;
    for (const args of [['send', 'frontend', 'hi'], ['task', 'start', id], ['inbox', 'frontend', '--mark-read'], ['task', 'complete', id, '--result', 'ok'], ['config', 'agent.max_rounds', '5'], ['spawn', 'tester', '--role', 'tester', '--no-start']]) {
      expect((await tt(dir, args)).code, args.join(' ')).toBe(0);
      expect(userState(), args.join(' ')).toBe(expected);
    }
    // Outside .tinytown/, tt commits only .gitattributes, once, in the init commit (DESIGN §3); README.md is the user's.
    expect(git(dir, 'log', '--format=', '--name-only').split('\n').filter((p) => p && !p.startsWith('.tinytown/'))).toEqual(['.gitattributes', 'README.md']);
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe('unstaged edit\n');
  });

  it('works in a repository with no user.name or user.email anywhere', async () => {
    const dir = tempRepo({ identity: false, initialCommit: false });
    expect(() => git(dir, 'config', '--get', 'user.email')).toThrow();
    const init = await tt(dir, ['init']);
    expect(init.code, init.stderr).toBe(0);
    expect((await tt(dir, ['send', 'conductor', 'hello'])).code).toBe(0);
    expect(git(dir, 'log', '-1', '--format=%an|%cn <%ce>').trim()).toBe('conductor|Tinytown <tinytown@tinytown.invalid>');
    expect(commitCount(dir)).toBe(2);
  });

  it('writes files and commits nothing with git.auto_commit false', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    expect((await tt(dir, ['config', 'git.auto_commit', 'false'])).code).toBe(0);
    expect(readFileSync(path.join(dir, '.tinytown/town.yml'), 'utf8')).toContain('# false: write the files, never commit.');
    const before = commitCount(dir);
    const sent = await tt(dir, ['send', 'backend', 'not committed', '--json']);
    expect(sent.code).toBe(0);
    expect(sent.stderr).toContain('auto_commit is false');
    const assigned = await tt(dir, ['assign', 'backend', 'also not committed']);
    expect(assigned.code).toBe(0);
    expect(commitCount(dir)).toBe(before);
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all', '.tinytown').split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('finds the town from a subfolder, and through --town and TINYTOWN_DIR', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    mkdirSync(path.join(dir, 'src/deep'), { recursive: true });
    expect((await tt(path.join(dir, 'src/deep'), ['list', '--json'])).json<{ agents: unknown[] }>().agents).toHaveLength(4);
    const elsewhere = tempRepo();
    expect((await tt(elsewhere, ['send', 'backend', 'via --town', '--town', dir])).code).toBe(0);
    expect((await tt(elsewhere, ['send', 'backend', 'via env'], { TINYTOWN_DIR: path.join(dir, '.tinytown') })).code).toBe(0);
    expect((await tt(dir, ['inbox', 'backend', '--json'])).json<{ messages: unknown[] }>().messages).toHaveLength(2);
    expect(treeSnapshot(elsewhere)).not.toContain('.tinytown');
  });

  it('is idempotent: tt init in a clone of a repo with a town succeeds and commits nothing', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const clone = tempRepo({ initialCommit: false });
    git(clone, 'pull', '-q', dir, 'main');
    const before = commitCount(clone);
    const again = await tt(clone, ['init', '--json']);
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ kind: 'town', created: false });
    expect(commitCount(clone)).toBe(before);
  });
});
