/**
 * What makes a tt call cheap without changing what it does: town.yml's parse
 * cached under run/, the parent of tt's own commit read from the HEAD reflog,
 * git's auto-maintenance left to one commit in many, the commit's git calls
 * run with spawnSync, and libraries the bundle loads only on first use.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { git, headCommit, tempRepo } from '../helpers/repo.js';
import { REPO_ROOT, townWithTeam, tt, ttProcess } from '../helpers/tt.js';
import { openTown } from '../../src/store/town.js';
import { readCommitParent, readOwnCommitParent } from '../../src/git/git-dir.js';
import { maintenanceDue } from '../../src/git/commit.js';
import { runGit } from '../../src/git/run-git.js';
import { GitError, ValidationError } from '../../src/errors.js';
import { later } from '../helpers/later.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('town.yml through its cache', () => {
  it('follows an edit that keeps the size, and never hides a broken file', async () => {
    const dir = tempRepo();
    expect((await tt(dir, ['init'])).code).toBe(0);
    const file = path.join(dir, '.tinytown', 'town.yml');
    expect(later(() => openTown({ cwd: dir }).config.agent.max_rounds)).toBe(10);
    expect(later(() => openTown({ cwd: dir }).config.agent.max_rounds)).toBe(10);
    expect(readdirSync(path.join(dir, '.git', 'tinytown', 'cache', 'parsed'))).toContain('town-config.json');

    const before = statSync(file);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/max_rounds: 10\b/, 'max_rounds: 42'));
    utimesSync(file, before.atime, new Date(before.mtimeMs + 5_000));
    expect(statSync(file).size).toBe(before.size);
    expect(later(() => openTown({ cwd: dir }).config.agent.max_rounds)).toBe(42);

    writeFileSync(file, 'name: [unclosed\n');
    expect(() => later(() => openTown({ cwd: dir }))).toThrow(ValidationError);
  });

  it('sees tt config changes at once', async () => {
    const dir = tempRepo();
    await tt(dir, ['init']);
    later(() => openTown({ cwd: dir }));
    expect((await tt(dir, ['config', 'agent.max_rounds', '7'])).code).toBe(0);
    expect(openTown({ cwd: dir }).config.agent.max_rounds).toBe(7);
    expect(later(() => openTown({ cwd: dir }).config.agent.max_rounds)).toBe(7);
  });
});

describe('the parent of tt\'s own commit', () => {
  it('comes from the HEAD reflog line git commit wrote, without reading the commit object', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    await tt(dir, ['send', 'backend', 'hello']);
    const gitDir = path.join(dir, '.git');
    const head = headCommit(dir);
    const parent = git(dir, 'rev-parse', 'HEAD^').trim();
    expect(readOwnCommitParent(gitDir, head)).toBe(parent);

    // with the object out of the way only the reflog can answer
    const object = path.join(gitDir, 'objects', head.slice(0, 2), head.slice(2));
    expect(existsSync(object)).toBe(true);
    renameSync(object, `${object}.aside`);
    try {
      expect(readCommitParent(gitDir, head)).toBeUndefined();
      expect(readOwnCommitParent(gitDir, head)).toBe(parent);
    } finally {
      renameSync(`${object}.aside`, object);
    }
  });

  it('is read from the commit object when the reflog line is not one git commit wrote, or there is no reflog', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    await tt(dir, ['send', 'backend', 'hello']);
    const gitDir = path.join(dir, '.git');
    git(dir, 'commit', '--amend', '-q', '-m', 'amended');
    const amended = headCommit(dir);
    const parent = git(dir, 'rev-parse', 'HEAD^').trim();
    // the reflog says "commit (amend)" and its old side is the commit amended away, not the parent
    expect(readFileSync(path.join(gitDir, 'logs', 'HEAD'), 'utf8')).toContain(`${amended} `);
    expect(readOwnCommitParent(gitDir, amended)).toBe(parent);
    renameSync(path.join(gitDir, 'logs', 'HEAD'), path.join(gitDir, 'logs', 'HEAD.aside'));
    expect(readOwnCommitParent(gitDir, amended)).toBe(parent);
  });
});

describe('git calls of a commit', () => {
  it('leave git\'s auto-maintenance to one commit in many', () => {
    expect(maintenanceDue(0)).toBe(true);
    expect(maintenanceDue(0.5)).toBe(false);
    expect(maintenanceDue(0.999)).toBe(false);
  });

  it('run blocking with the same answers as the streaming runner: output, stdin, accepted exit codes, failures', async () => {
    const dir = tempRepo();
    for (const blocking of [false, true]) {
      const hashed = await runGit({ cwd: dir, args: ['hash-object', '--stdin'], input: 'hello\n', blocking });
      expect(hashed.stdout.trim()).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
      const differs = await runGit({ cwd: dir, args: ['diff', '--quiet', '--no-index', '--', 'README.md', '/dev/null'], okExitCodes: [1], blocking });
      expect(differs.exitCode).toBe(1);
      const failure = await runGit({ cwd: dir, args: ['rev-parse', '--verify', 'no-such-ref'], blocking }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(GitError);
      expect((failure as GitError).message).toMatch(/^git rev-parse failed: /);
    }
  });
});

describe('the built tt', () => {
  it('still parses frontmatter outside the canonical form and commits, with its libraries loaded on first use', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const id = 't-k3f9qa';
    mkdirSync(path.join(dir, '.tinytown', 'tasks'), { recursive: true });
    writeFileSync(path.join(dir, '.tinytown', 'tasks', `${id}.md`), [
      '---', `id: ${id}`, '# a comment only a YAML parser understands', 'title: "Hand written"', 'state: pending',
      'tags:', '  - docs', 'created: 2026-11-25T21:20:00.000Z', '---', 'Body', '',
    ].join('\n'));
    const shown = await ttProcess(dir, ['task', 'show', id, '--json']);
    expect(shown.code).toBe(0);
    expect(shown.json<{ task: { title: string; tags: string[]; created: string } }>().task).toMatchObject({ title: 'Hand written', tags: ['docs'], created: '2026-11-25T21:20:00.000Z' });
    const claimed = await ttProcess(dir, ['backlog', 'claim', id, 'backend', '--json']);
    expect(claimed.code).toBe(0);
    expect(git(dir, 'log', '-1', '--format=%s').trim()).toBe(`tt(conductor): claim ${id} for backend: Hand written`);
  });

  it('writes its output straight to stdout, all of it, and stops quietly when the reader goes away', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    mkdirSync(path.join(dir, '.tinytown', 'tasks'), { recursive: true });
    const body = 'A description long enough to make the listing larger than a pipe holds. '.repeat(8);
    for (let n = 0; n < 300; n++) {
      const id = `t-${String(n).padStart(3, '0')}abc`;
      writeFileSync(path.join(dir, '.tinytown', 'tasks', `${id}.md`), [
        '---', `id: ${id}`, `title: Task ${n}`, 'state: pending', 'assignee: null', 'reviewer: null', 'priority: normal', 'tags: []',
        'parent: null', 'created: "2026-11-25T21:20:00.000Z"', 'updated: "2026-11-25T21:20:00.000Z"', 'started: null', 'completed: null',
        'result: null', 'approved_by: null', 'reviewed_commit: null', '---', body, '',
      ].join('\n'));
    }
    const full = await ttProcess(dir, ['task', 'list', '--json']);
    expect(full.code).toBe(0);
    expect(full.stdout.length).toBeGreaterThan(256 * 1024);
    expect(full.json<{ tasks: unknown[] }>().tasks).toHaveLength(300);

    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'tt.js'), 'task', 'list', '--json'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
