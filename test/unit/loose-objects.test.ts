/**
 * The objects tt writes itself (git/loose-objects.ts, git/object-writer.ts)
 * are the objects git writes: same ids as `git hash-object`, `git mktree` and
 * `git commit-tree` given the same inputs and dates, readable by git, and
 * clean under `git fsck --strict`. Real repositories, real git.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { objectFormat, objectsDirectory } from '../../src/git/git-dir.js';
import { FALLBACK_COMMITTER } from '../../src/git/identity.js';
import { inflateSync } from 'node:zlib';
import { looseObjectBytes, looseObjectPath, readLooseObject, writeLooseObject, zlibStored, type LooseObjectStore } from '../../src/git/loose-objects.js';
import { openObjectWriter } from '../../src/git/object-writer.js';
import { mktreeRecords, sortEntries, treeBody, type ObjectFormat, type TreeEntry } from '../../src/git/trees.js';
import { git, tempRepo } from '../helpers/repo.js';

const DATES = { GIT_AUTHOR_DATE: '1700000000 +0130', GIT_COMMITTER_DATE: '1700000123 -0700' };

function gitIn(dir: string, args: string[], input = '', env: Record<string, string> = {}): string {
  return execFileSync('git', args, { cwd: dir, input, encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] }).trim();
}

const store = (dir: string, format: ObjectFormat = 'sha1'): LooseObjectStore => ({ dir: objectsDirectory(path.join(dir, '.git')), format, fsync: false });
const place = (dir: string) => ({ top: dir, gitDir: path.join(dir, '.git'), format: objectFormat(path.join(dir, '.git')) });

function fsckClean(dir: string): void {
  expect(gitIn(dir, ['fsck', '--strict', '--no-dangling', '--no-progress'])).toBe('');
}

const saved = new Map<string, string | undefined>();
function setEnv(vars: Record<string, string>): void {
  for (const [key, value] of Object.entries(vars)) {
    if (!saved.has(key)) saved.set(key, process.env[key]);
    process.env[key] = value;
  }
}
afterEach(() => {
  for (const [key, value] of saved) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  saved.clear();
});

const TEXTS = ['', 'hello\n', 'no newline', 'crlf\r\nline\r\n', 'ünïcödé ✓ 🚀\n', `${'x'.repeat(100_000)}\n`, '---\nid: t-1\n---\n\nbody\n'];

describe.each(['sha1', 'sha256'] as const)('loose objects (%s)', (format) => {
  const repo = () => {
    const dir = tempRepo({ initialCommit: false });
    if (format === 'sha256') {
      execFileSync('rm', ['-rf', path.join(dir, '.git')]);
      git(dir, 'init', '-q', '-b', 'main', '--object-format=sha256');
      git(dir, 'config', 'user.name', 'Test User');
      git(dir, 'config', 'user.email', 'test@example.com');
    }
    expect(objectFormat(path.join(dir, '.git'))).toBe(format);
    return dir;
  };

  it('writes blobs git reads back, with git\'s ids', () => {
    const dir = repo();
    for (const text of TEXTS) {
      const id = writeLooseObject(store(dir, format), 'blob', Buffer.from(text, 'utf8'));
      expect(id).toBe(gitIn(dir, ['hash-object', '--stdin'], text));
      expect(execFileSync('git', ['cat-file', 'blob', id], { cwd: dir, encoding: 'utf8' })).toBe(text);
    }
    fsckClean(dir);
  });

  it('reads back loose objects, its own (stored or deflated) and git\'s, and nothing that is not there loose or does not hash to its name', () => {
    const dir = repo();
    const objects = objectsDirectory(path.join(dir, '.git'));
    for (const text of ['small\n', 'x'.repeat(70_000), ...TEXTS]) {
      const own = writeLooseObject(store(dir, format), 'blob', Buffer.from(text, 'utf8'));
      expect(readLooseObject(objects, own, format)?.body.toString('utf8')).toBe(text);
    }
    const gits = gitIn(dir, ['hash-object', '-w', '--stdin'], 'written by git\n');
    expect(readLooseObject(objects, gits, format)).toEqual({ type: 'blob', body: Buffer.from('written by git\n') });
    expect(readLooseObject(objects, gits.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')), format)).toBeUndefined();
    // Packed: not loose any more, so the caller asks git.
    writeFileSync(path.join(dir, 'committed.txt'), 'written by git\n');
    gitIn(dir, ['add', 'committed.txt']);
    gitIn(dir, ['commit', '-qm', 'x']);
    gitIn(dir, ['repack', '-adq']);
    gitIn(dir, ['prune-packed']);
    expect(readLooseObject(objects, gits, format)).toBeUndefined();
    // Damaged: another object's bytes under this name.
    const damaged = writeLooseObject(store(dir, format), 'blob', Buffer.from('first\n'));
    const other = writeLooseObject(store(dir, format), 'blob', Buffer.from('second\n'));
    chmodSync(looseObjectPath(objects, damaged), 0o644);
    copyFileSync(looseObjectPath(objects, other), looseObjectPath(objects, damaged));
    expect(readLooseObject(objects, damaged, format)).toBeUndefined();
    expect(readLooseObject(objects, '../../config', format)).toBeUndefined();
  });

  it('writes trees with git mktree\'s ids (git\'s order, folders, modes)', () => {
    const dir = repo();
    const blob = (text: string) => writeLooseObject(store(dir, format), 'blob', Buffer.from(text));
    const sub = sortEntries([{ mode: '100644', name: 'm.md', id: blob('m\n') }]);
    const subId = writeLooseObject(store(dir, format), 'tree', treeBody(sub));
    expect(subId).toBe(gitIn(dir, ['mktree', '-z'], mktreeRecords(sub)));
    const entries: TreeEntry[] = [
      { mode: '100644', name: 'a.b', id: blob('a.b\n') },
      { mode: '40000', name: 'a', id: subId },
      { mode: '100755', name: 'run.sh', id: blob('#!/bin/sh\n') },
      { mode: '120000', name: 'link', id: blob('a.b') },
      { mode: '100644', name: 'a-b', id: blob('dash\n') },
      { mode: '100644', name: 'ünï.md', id: blob('u\n') },
    ];
    const sorted = sortEntries(entries);
    const id = writeLooseObject(store(dir, format), 'tree', treeBody(sorted));
    expect(id).toBe(gitIn(dir, ['mktree', '-z'], mktreeRecords(sorted)));
    expect(gitIn(dir, ['ls-tree', '--name-only', id]).split('\n')).toEqual(['a-b', 'a.b', 'a', 'link', 'run.sh', '"\\303\\274n\\303\\257.md"']);
    const empty = writeLooseObject(store(dir, format), 'tree', Buffer.alloc(0));
    expect(empty).toBe(gitIn(dir, ['mktree'], ''));
    fsckClean(dir);
  });

  it('writes the commit git commit-tree writes: same id for the same inputs and dates (configured committer, root and child)', async () => {
    const dir = repo();
    setEnv(DATES);
    const tree = gitIn(dir, ['mktree'], '');
    const writer = await openObjectWriter(place(dir));
    const message = 'tt(alice): send to bob: ünïcödé ✓\n\n    a body\n\nTinytown-Action: send\nTinytown-Agent: alice\n';
    const root = await writer.writeCommit(tree, undefined, message, 'alice');
    const author = { GIT_AUTHOR_NAME: 'alice', GIT_AUTHOR_EMAIL: 'alice@tinytown.invalid' };
    expect(root).toBe(gitIn(dir, ['-c', 'user.useConfigOnly=true', 'commit-tree', tree], message, author));
    const child = await writer.writeCommit(tree, root, message, 'bob-2');
    expect(child).toBe(gitIn(dir, ['-c', 'user.useConfigOnly=true', 'commit-tree', tree, '-p', root], message, { GIT_AUTHOR_NAME: 'bob-2', GIT_AUTHOR_EMAIL: 'bob-2@tinytown.invalid' }));
    expect(gitIn(dir, ['log', '-1', '--format=%an <%ae> %ad|%cn <%ce> %cd', '--date=raw', child])).toBe('bob-2 <bob-2@tinytown.invalid> 1700000000 +0130|Test User <test@example.com> 1700000123 -0700');
    git(dir, 'update-ref', 'HEAD', child);
    fsckClean(dir);
  });

  it('uses the tinytown committer where no identity is configured, as commit-tree did', async () => {
    const dir = repo();
    git(dir, 'config', '--unset', 'user.name');
    git(dir, 'config', '--unset', 'user.email');
    setEnv(DATES);
    const tree = gitIn(dir, ['mktree'], '');
    const message = 'tt(alice): init\n\nTinytown-Action: init\n';
    const id = await (await openObjectWriter(place(dir))).writeCommit(tree, undefined, message, 'alice');
    expect(id).toBe(gitIn(dir, ['commit-tree', tree], message, { GIT_AUTHOR_NAME: 'alice', GIT_AUTHOR_EMAIL: 'alice@tinytown.invalid', ...FALLBACK_COMMITTER }));
    fsckClean(dir);
  });
});

describe('what git writes instead, and how objects are written', () => {
  it('asks git where only git knows the committer (committer.name), and gets its answer', async () => {
    const dir = tempRepo({ initialCommit: false });
    git(dir, 'config', 'committer.name', 'Committer Only');
    setEnv(DATES);
    const tree = gitIn(dir, ['mktree'], '');
    const id = await (await openObjectWriter(place(dir))).writeCommit(tree, undefined, 'm\n', 'alice');
    expect(gitIn(dir, ['log', '-1', '--format=%cn <%ce>', id])).toBe('Committer Only <test@example.com>');
    expect(id).toBe(gitIn(dir, ['-c', 'user.useConfigOnly=true', 'commit-tree', tree], 'm\n', { GIT_AUTHOR_NAME: 'alice', GIT_AUTHOR_EMAIL: 'alice@tinytown.invalid' }));
  });

  it('leaves to commit-tree what it would write differently: another commit encoding, text its UTF-8 check rewrites', async () => {
    const dir = tempRepo({ initialCommit: false });
    setEnv(DATES);
    const tree = gitIn(dir, ['mktree'], '');
    const odd = 'noncharacter \uffff here\n';
    const viaGit = await (await openObjectWriter(place(dir))).writeCommit(tree, undefined, odd, 'alice');
    expect(viaGit).toBe(gitIn(dir, ['-c', 'user.useConfigOnly=true', 'commit-tree', tree], odd, { GIT_AUTHOR_NAME: 'alice', GIT_AUTHOR_EMAIL: 'alice@tinytown.invalid' }));
    git(dir, 'config', 'i18n.commitEncoding', 'ISO-8859-1');
    const latin = await (await openObjectWriter(place(dir))).writeCommit(tree, undefined, 'plain\n', 'alice');
    expect(gitIn(dir, ['cat-file', 'commit', latin])).toContain('\nencoding ISO-8859-1\n');
  });

  it('deflates small objects as stored blocks and large ones with zlib, both read back as written', () => {
    for (const size of [0, 1, 3000, 65_535, 65_536, 200_000]) {
      const data = Buffer.alloc(size, 'ab\n');
      expect(inflateSync(zlibStored(data)).equals(data)).toBe(true);
    }
    expect(looseObjectBytes('blob', Buffer.from('small\n')).subarray(0, 2).toString('hex')).toBe('7801');
    const large = Buffer.alloc(10_000, 'z');
    expect(looseObjectBytes('blob', large).length).toBeLessThan(1000);
    expect(inflateSync(looseObjectBytes('blob', large)).equals(Buffer.concat([Buffer.from('blob 10000\0'), large]))).toBe(true);
  });

  it('never overwrites an object: one already there is freshened; files are read-only, no temp file is left', () => {
    const dir = tempRepo({ initialCommit: false });
    const s = store(dir);
    const id = writeLooseObject(s, 'blob', Buffer.from('same\n'));
    const file = looseObjectPath(s.dir, id);
    expect(statSync(file).mode & 0o777).toBe(0o444);
    const old = new Date(Date.now() - 30 * 24 * 3600 * 1000);
    utimesSync(file, old, old);
    const inode = statSync(file).ino;
    expect(writeLooseObject(s, 'blob', Buffer.from('same\n'))).toBe(id);
    expect(statSync(file).ino).toBe(inode);
    expect(statSync(file).mtimeMs).toBeGreaterThan(old.getTime() + 1000);
    expect(readdirSync(path.dirname(file)).filter((name) => name.startsWith('tmp_obj_'))).toEqual([]);
  });

  it('writes a linked worktree\'s objects to the common git directory', () => {
    const dir = tempRepo();
    const linked = `${dir}-linked`;
    git(dir, 'worktree', 'add', '-q', '-b', 'side', linked);
    try {
      const gitDir = gitIn(linked, ['rev-parse', '--absolute-git-dir']);
      expect(objectsDirectory(gitDir)).toBe(path.join(dir, '.git', 'objects'));
      const id = writeLooseObject({ dir: objectsDirectory(gitDir), format: 'sha1', fsync: true }, 'blob', Buffer.from('linked\n'));
      expect(gitIn(linked, ['cat-file', '-t', id])).toBe('blob');
    } finally {
      git(dir, 'worktree', 'remove', '--force', linked);
      execFileSync('rm', ['-rf', linked]);
    }
  });
});
