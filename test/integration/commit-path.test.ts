/**
 * The commit path on plumbing (DESIGN §2 "The commit path", issue 17): real
 * repositories, real tt processes, a person's git beside them.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, tempRepo } from '../helpers/repo.js';
import { tt, townWithTeam, ttProcess } from '../helpers/tt.js';

/** Message ids in the Tinytown-Message trailers of every commit on any ref, one per occurrence. */
function committedMessageIds(dir: string, range = '--all'): string[] {
  return git(dir, 'log', range, '--format=%(trailers:key=Tinytown-Message,valueonly)').split('\n').map((l) => l.trim()).filter(Boolean);
}

function sentId(stdout: string): string {
  const id = /Sent (\S+) to/.exec(stdout)?.[1];
  if (!id) throw new Error(`no message id in ${JSON.stringify(stdout)}`);
  return id;
}

function townStatus(dir: string): string {
  return git(dir, 'status', '--porcelain', '--untracked-files=all', '--', '.tinytown').trim();
}

function pending(dir: string): string[] {
  try {
    return readdirSync(path.join(dir, '.git/tinytown/pending'));
  } catch {
    return [];
  }
}

/** A git command of the person's, run as its own process; its exit code (it may meet tt's index.lock, as it would meet any git's). */
function personGit(dir: string, ...args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('git', args, { cwd: dir, stdio: 'ignore' });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

describe('a write is built from objects and only then reaches the index', () => {
  it('commits exactly the touched paths, leaves staged and unstaged work as it was, and nothing of the town in the index before', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    writeFileSync(path.join(dir, 'staged.txt'), 'staged\n');
    git(dir, 'add', 'staged.txt');
    writeFileSync(path.join(dir, 'README.md'), '# changed, not staged\n');
    const sent = await ttProcess(dir, ['send', 'backend', 'built from objects']);
    expect(sent.code, sent.stderr).toBe(0);
    const id = sentId(sent.stdout);
    expect(git(dir, 'show', '--format=', '--name-only', 'HEAD').trim()).toBe(`.tinytown/inbox/backend/${id}.md`);
    expect(git(dir, 'log', '-1', '--format=%an <%ae>|%(trailers:key=Tinytown-Action,valueonly)', 'HEAD').trim()).toBe('conductor <conductor@tinytown.invalid>|send');
    expect(git(dir, 'diff', '--cached', '--name-only').trim()).toBe('staged.txt');
    expect(git(dir, 'diff', '--name-only').trim()).toBe('README.md');
    expect(townStatus(dir)).toBe('');
    expect(git(dir, 'fsck', '--no-progress').trim()).toBe('');
  });

  it('commits on a detached HEAD, moving HEAD itself and no branch', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const main = git(dir, 'rev-parse', 'main').trim();
    git(dir, 'checkout', '-q', '--detach');
    const sent = await ttProcess(dir, ['send', 'backend', 'detached']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(git(dir, 'rev-parse', 'main').trim()).toBe(main);
    expect(git(dir, 'rev-parse', 'HEAD^').trim()).toBe(main);
    expect(committedMessageIds(dir, 'HEAD')).toContain(sentId(sent.stdout));
    expect(townStatus(dir)).toBe('');
  });

  it('makes the first commit of an unborn branch, keeping what the person staged staged', async () => {
    const dir = tempRepo({ initialCommit: false });
    writeFileSync(path.join(dir, 'mine.txt'), 'mine\n');
    git(dir, 'add', 'mine.txt');
    const init = await ttProcess(dir, ['init']);
    expect(init.code, init.stderr).toBe(0);
    expect(git(dir, 'rev-list', '--count', 'HEAD').trim()).toBe('1');
    expect(git(dir, 'show', '--format=', '--name-only', 'HEAD')).not.toContain('mine.txt');
    expect(git(dir, 'diff', '--cached', '--name-only').trim()).toBe('mine.txt');
    expect(git(dir, 'reflog', '-1', '--format=%gs').trim()).toMatch(/^commit \(initial\): tt\(conductor\): init/);
    expect(townStatus(dir)).toBe('');
  });

  it('commits on a linked worktree\'s own HEAD and index, leaving the main worktree alone', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const linked = `${dir}-linked`;
    git(dir, 'worktree', 'add', '-q', '-b', 'side', linked);
    try {
      const mainHead = git(dir, 'rev-parse', 'HEAD').trim();
      const sent = await ttProcess(linked, ['send', 'backend', 'from the linked worktree']);
      expect(sent.code, sent.stderr).toBe(0);
      expect(git(dir, 'rev-parse', 'main').trim()).toBe(mainHead);
      expect(git(linked, 'rev-parse', 'HEAD^').trim()).toBe(mainHead);
      expect(committedMessageIds(linked, 'side')).toContain(sentId(sent.stdout));
      expect(townStatus(linked)).toBe('');
      expect(townStatus(dir)).toBe('');
    } finally {
      git(dir, 'worktree', 'remove', '--force', linked);
      rmSync(linked, { recursive: true, force: true });
    }
  });

  it('signs its commits where commit.gpgSign asks (commit-tree reads the setting)', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    // A stand-in for gpg: what git needs from it is a signature on stdout and SIG_CREATED on the status fd.
    const fakeGpg = path.join(dir, '.git', 'fake-gpg.sh');
    writeFileSync(fakeGpg, '#!/bin/sh\ncat >/dev/null\nprintf \'\\n[GNUPG:] SIG_CREATED D 1 8 00 1 FAKE\\n\' >&2\nprintf -- \'-----BEGIN PGP SIGNATURE-----\\n\\nZmFrZQ==\\n-----END PGP SIGNATURE-----\\n\'\n');
    chmodSync(fakeGpg, 0o755);
    git(dir, 'config', 'gpg.program', fakeGpg);
    git(dir, 'config', 'user.signingKey', 'FAKE');
    git(dir, 'config', 'commit.gpgSign', 'true');
    const sent = await ttProcess(dir, ['send', 'backend', 'signed']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(git(dir, 'cat-file', 'commit', 'HEAD')).toContain('gpgsig -----BEGIN PGP SIGNATURE-----');
  });

  it('commits a file that vanished before its commit from the journal, and puts it back', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const killed = await ttProcess(dir, ['send', 'backend', 'taken by a reset'], { TINYTOWN_TEST_KILL_AT: 'files' });
    expect(killed.code).not.toBe(0);
    const [file] = readdirSync(path.join(dir, '.tinytown/inbox/backend')).filter((name) => name.endsWith('.md'));
    // What a person's `git stash -u` or `git clean` does to a file git does not track yet.
    rmSync(path.join(dir, '.tinytown/inbox/backend', file!));
    const next = await ttProcess(dir, ['send', 'frontend', 'next']);
    expect(next.code, next.stderr).toBe(0);
    expect(committedMessageIds(dir, 'HEAD')).toContain(file!.replace(/\.md$/, ''));
    expect(existsSync(path.join(dir, '.tinytown/inbox/backend', file!))).toBe(true);
    expect(townStatus(dir)).toBe('');
  });
});

describe('kill -9 at each step of a write: the next command completes it', () => {
  for (const step of ['files', 'objects', 'ref', 'index'] as const) {
    it(`after ${step}`, async () => {
      const dir = tempRepo();
      await townWithTeam(dir);
      const killed = await ttProcess(dir, ['send', 'backend', `killed after ${step}`], { TINYTOWN_TEST_KILL_AT: step });
      expect(killed.code).not.toBe(0);
      expect(pending(dir)).toHaveLength(1);
      const next = await ttProcess(dir, ['send', 'frontend', 'the next command']);
      expect(next.code, next.stderr).toBe(0);
      const ids = committedMessageIds(dir, 'HEAD');
      // nothing lost, nothing duplicated
      expect(ids).toHaveLength(2);
      expect(new Set(ids).size).toBe(2);
      expect(pending(dir)).toEqual([]);
      expect(existsSync(path.join(dir, '.git', 'index.lock'))).toBe(false);
      expect(townStatus(dir)).toBe('');
      expect(git(dir, 'status', '--porcelain').trim()).toBe('');
    }, 60_000);
  }
});

describe('the person uses git in the same work tree while agents write', () => {
  it('stash/pop, commit -am, reset --hard, checkout -b/- beside three tt writers: every sent message is committed once, none in the person\'s commits', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    writeFileSync(path.join(dir, 'work.txt'), 'work 0\n');
    git(dir, 'add', 'work.txt');
    git(dir, 'commit', '-q', '-m', 'person: work file');
    let stop = false;
    let rounds = 0;
    const person = (async () => {
      while (!stop) {
        rounds++;
        writeFileSync(path.join(dir, 'work.txt'), `work ${rounds}\n`);
        await personGit(dir, 'stash', '-q');
        await personGit(dir, 'stash', 'pop', '-q');
        writeFileSync(path.join(dir, 'work.txt'), `work ${rounds} committed\n`);
        await personGit(dir, 'commit', '-q', '-a', '-m', `person: round ${rounds}`);
        writeFileSync(path.join(dir, 'work.txt'), `work ${rounds} thrown away\n`);
        await personGit(dir, 'reset', '-q', '--hard');
        await personGit(dir, 'checkout', '-q', '-b', `x-${rounds}`);
        await personGit(dir, 'checkout', '-q', '-');
      }
    })();
    const writers = Array.from({ length: 3 }, (_, writer) => (async () => {
      const sent: string[] = [];
      for (let i = 0; i < 12; i++) {
        const run = await ttProcess(dir, ['send', 'backend', `writer ${writer} message ${i}`]);
        if (run.code === 0) sent.push(sentId(run.stdout));
      }
      return sent;
    })());
    const sent = (await Promise.all(writers)).flat();
    stop = true;
    await person;
    expect(rounds).toBeGreaterThan(2);
    expect(sent.length).toBeGreaterThan(30);
    const committed = committedMessageIds(dir);
    for (const id of sent) expect(committed.filter((c) => c === id), id).toHaveLength(1);
    // No commit of the person's adds or changes a town file. git reads the index before it locks
    // it, so a person's commit whose read falls in the instant between tt's update-ref and the
    // rename of tt's index can record a town file's deletion; tt restores it (action restore).
    const personChanges = git(dir, 'log', '--all', '--format=', '--name-status', '--no-renames', '--grep', '^person:', '--', '.tinytown').split('\n').filter(Boolean);
    expect(personChanges.filter((line) => !line.startsWith('D'))).toEqual([]);
    expect(townStatus(dir)).toBe('');
    const after = await ttProcess(dir, ['send', 'backend', 'tt keeps working']);
    expect(after.code, after.stderr).toBe(0);
    expect(townStatus(dir)).toBe('');
  }, 240_000);
});

describe('a person\'s git reset --hard that raced a tt commit', () => {
  /** What a `git reset --hard` that resolved HEAD just before tt's commit does just after it: the tree and HEAD back, message "moving to HEAD". */
  function racingReset(dir: string, to: string): void {
    git(dir, 'read-tree', '-u', '--reset', to);
    git(dir, 'update-ref', '-m', 'reset: moving to HEAD', 'HEAD', to);
  }

  it('gets the dropped commit back on the branch, message and file, with the next write', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const before = git(dir, 'rev-parse', 'HEAD').trim();
    const first = await ttProcess(dir, ['send', 'backend', 'sent before the reset landed']);
    expect(first.code, first.stderr).toBe(0);
    const dropped = sentId(first.stdout);
    const droppedMessage = git(dir, 'log', '-1', '--format=%B');
    racingReset(dir, before);
    expect(existsSync(path.join(dir, '.tinytown/inbox/backend', `${dropped}.md`))).toBe(false);
    expect(committedMessageIds(dir)).not.toContain(dropped);

    const second = await ttProcess(dir, ['send', 'backend', 'the next write']);
    expect(second.code, second.stderr).toBe(0);
    const ids = committedMessageIds(dir, 'HEAD');
    expect(ids.filter((id) => id === dropped)).toHaveLength(1);
    expect(ids).toContain(sentId(second.stdout));
    expect(git(dir, 'log', '-1', '--format=%B', `HEAD~1`)).toBe(droppedMessage);
    expect(existsSync(path.join(dir, '.tinytown/inbox/backend', `${dropped}.md`))).toBe(true);
    expect(townStatus(dir)).toBe('');
  });

  it('leaves a deliberate reset alone: git reset --hard HEAD~1 of a tt commit stays done', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const first = await ttProcess(dir, ['send', 'backend', 'taken back on purpose']);
    expect(first.code, first.stderr).toBe(0);
    git(dir, 'reset', '-q', '--hard', 'HEAD~1');
    const second = await ttProcess(dir, ['send', 'backend', 'the next write']);
    expect(second.code, second.stderr).toBe(0);
    expect(committedMessageIds(dir, 'HEAD')).not.toContain(sentId(first.stdout));
  });
});

describe('in-process', () => {
  it('answers through main() the same way', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const sent = await tt(dir, ['send', 'backend', 'in process']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(townStatus(dir)).toBe('');
  });
});
