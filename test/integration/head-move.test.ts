/**
 * Step 4 of the commit path done in-process (git/head-move.ts): the same ref,
 * reflog lines and lock protocol as `git update-ref -m MSG HEAD NEW OLD`, and
 * git itself wherever tt would not do exactly what git does.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, headCommit, tempRepo } from '../helpers/repo.js';
import { townWithTeam, tt } from '../helpers/tt.js';
import { moveHead, reflogText, type HeadMove } from '../../src/git/head-move.js';

/** A commit on HEAD that HEAD does not point at yet (its parent is HEAD). */
function nextCommit(dir: string, text: string): string {
  const tree = git(dir, 'rev-parse', 'HEAD^{tree}').trim();
  return git(dir, 'commit-tree', tree, '-p', 'HEAD', '-m', text).trim();
}

const IDENT = 'Test User <test@example.com> 1700000000 +0000';

function move(dir: string, next: string, old: string | undefined, extra: Partial<HeadMove> = {}): ReturnType<typeof moveHead> {
  const gitDir = path.join(dir, '.git');
  return moveHead({ gitDir, next, old, message: 'commit: tt(conductor): send', ident: IDENT, createReflogs: true, fsync: false, hooksDir: path.join(gitDir, 'hooks'), ...extra });
}

const lastLine = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n').at(-1)!;

describe('moving HEAD in-process', () => {
  it('writes the ref and the same reflog lines git update-ref writes (branch and HEAD)', () => {
    const ours = tempRepo();
    const theirs = tempRepo();
    const oldOurs = headCommit(ours);
    const nextOurs = nextCommit(ours, 'x');
    expect(move(ours, nextOurs, oldOurs)).toBe('moved');
    const oldTheirs = headCommit(theirs);
    const nextTheirs = nextCommit(theirs, 'x');
    git(theirs, 'update-ref', '-m', 'commit: tt(conductor): send', 'HEAD', nextTheirs, oldTheirs);

    expect(headCommit(ours)).toBe(nextOurs);
    expect(readFileSync(path.join(ours, '.git/refs/heads/main'), 'utf8')).toBe(`${nextOurs}\n`);
    // Same shape as git's: only the ids and the date differ.
    const shape = (line: string) => line.replace(/[0-9a-f]{40}/g, 'ID').replace(/> \d+ [+-]\d{4}\t/, '> DATE\t');
    for (const log of ['logs/HEAD', 'logs/refs/heads/main']) {
      expect(shape(lastLine(path.join(ours, '.git', log)))).toBe(shape(lastLine(path.join(theirs, '.git', log))));
      expect(lastLine(path.join(ours, '.git', log))).toBe(`${oldOurs} ${nextOurs} ${IDENT}\tcommit: tt(conductor): send`);
    }
    expect(git(ours, 'reflog', '-1', '--format=%gs').trim()).toBe('commit: tt(conductor): send');
    expect(existsSync(path.join(ours, '.git/HEAD.lock')) || existsSync(path.join(ours, '.git/refs/heads/main.lock'))).toBe(false);
    expect(git(ours, 'fsck', '--no-progress')).toBe('');
  });

  it('answers stale, changing nothing, when the branch is no longer at the commit it was built on', () => {
    const dir = tempRepo();
    const old = headCommit(dir);
    const theirs = nextCommit(dir, 'someone else');
    git(dir, 'update-ref', 'HEAD', theirs);
    const logBefore = readFileSync(path.join(dir, '.git/logs/HEAD'), 'utf8');
    expect(move(dir, nextCommit(dir, 'ours'), old)).toBe('stale');
    expect(headCommit(dir)).toBe(theirs);
    expect(readFileSync(path.join(dir, '.git/logs/HEAD'), 'utf8')).toBe(logBefore);
    expect(existsSync(path.join(dir, '.git/HEAD.lock')) || existsSync(path.join(dir, '.git/refs/heads/main.lock'))).toBe(false);
  });

  it('answers locked and leaves another process\'s lock where it is', () => {
    const dir = tempRepo();
    const old = headCommit(dir);
    writeFileSync(path.join(dir, '.git/refs/heads/main.lock'), '');
    expect(move(dir, nextCommit(dir, 'x'), old)).toBe('locked');
    expect(existsSync(path.join(dir, '.git/refs/heads/main.lock'))).toBe(true);
    expect(existsSync(path.join(dir, '.git/HEAD.lock'))).toBe(false);
    expect(headCommit(dir)).toBe(old);
  });

  it('moves a branch that lives only in packed-refs, and a detached HEAD', () => {
    const dir = tempRepo();
    git(dir, 'pack-refs', '--all');
    expect(existsSync(path.join(dir, '.git/refs/heads/main'))).toBe(false);
    const next = nextCommit(dir, 'x');
    expect(move(dir, next, git(dir, 'rev-parse', 'HEAD').trim())).toBe('moved');
    expect(git(dir, 'rev-parse', 'refs/heads/main').trim()).toBe(next);

    git(dir, 'checkout', '-q', '--detach');
    const detached = nextCommit(dir, 'y');
    expect(move(dir, detached, next)).toBe('moved');
    expect(readFileSync(path.join(dir, '.git/HEAD'), 'utf8')).toBe(`${detached}\n`);
    expect(git(dir, 'rev-parse', 'refs/heads/main').trim()).toBe(next);
    expect(lastLine(path.join(dir, '.git/logs/HEAD'))).toContain(`${next} ${detached} `);
  });

  it('creates no reflog where core.logAllRefUpdates is off and none exists; appends to one that does', () => {
    const dir = tempRepo();
    git(dir, 'branch', 'side');
    git(dir, 'checkout', '-q', 'side');
    const old = headCommit(dir);
    const branchLog = path.join(dir, '.git/logs/refs/heads/side');
    writeFileSync(branchLog, ''); // emptied, still there
    const headLogBefore = readFileSync(path.join(dir, '.git/logs/HEAD'), 'utf8');
    // HEAD's log exists: appended; the branch's exists: appended.
    expect(move(dir, nextCommit(dir, 'x'), old, { createReflogs: false })).toBe('moved');
    expect(readFileSync(branchLog, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
    expect(readFileSync(path.join(dir, '.git/logs/HEAD'), 'utf8').length).toBeGreaterThan(headLogBefore.length);

    const unlogged = tempRepo();
    git(unlogged, 'config', 'core.logAllRefUpdates', 'false');
    git(unlogged, 'checkout', '-q', '-b', 'fresh');
    expect(existsSync(path.join(unlogged, '.git/logs/refs/heads/fresh'))).toBe(false);
    expect(move(unlogged, nextCommit(unlogged, 'x'), headCommit(unlogged), { createReflogs: false })).toBe('moved');
    expect(existsSync(path.join(unlogged, '.git/logs/refs/heads/fresh'))).toBe(false);
  });

  it('leaves to git what it would not do as git does: a reference-transaction hook, an unborn branch, a symbolic ref', () => {
    const dir = tempRepo();
    const old = headCommit(dir);
    const hooks = path.join(dir, '.git/hooks');
    mkdirSync(hooks, { recursive: true });
    writeFileSync(path.join(hooks, 'reference-transaction'), '#!/bin/sh\nexit 0\n');
    expect(move(dir, nextCommit(dir, 'x'), old)).toBe('unsupported');
    expect(move(dir, nextCommit(dir, 'x'), undefined, { hooksDir: path.join(dir, 'nowhere') })).toBe('unsupported');
    git(dir, 'symbolic-ref', 'refs/heads/alias', 'refs/heads/main');
    git(dir, 'symbolic-ref', 'HEAD', 'refs/heads/alias');
    expect(move(dir, nextCommit(dir, 'x'), old, { hooksDir: path.join(dir, 'nowhere') })).toBe('unsupported');
    expect(headCommit(dir)).toBe(old);
  });

  it('through tt: a reference-transaction hook still runs on every tt commit (git moves HEAD there)', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const hooks = path.join(dir, '.git/hooks');
    const seen = path.join(dir, '.git/hook-calls');
    writeFileSync(path.join(hooks, 'reference-transaction'), `#!/bin/sh\necho "$1" >> '${seen}'\n`);
    chmodSync(path.join(hooks, 'reference-transaction'), 0o755);
    const before = headCommit(dir);
    expect((await tt(dir, ['send', 'backend', 'hello'])).code).toBe(0);
    expect(headCommit(dir)).not.toBe(before);
    expect(readFileSync(seen, 'utf8')).toContain('committed');
  });

  it('keeps git\'s reflog text: whitespace runs are one space, none at the ends', () => {
    expect(reflogText('  commit:  a\tb\n c  ')).toBe('commit: a b c');
    expect(reflogText('commit: ')).toBe('commit:');
  });
});
