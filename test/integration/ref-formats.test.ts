/**
 * The write path's reads of HEAD, the reflog and commit parents (git/git-dir.ts)
 * under both of git's ref formats. With reftable, HEAD on disk is a stub and
 * refs/reflogs are binary tables: reading them by hand would answer "unknown"
 * and silently switch off the restoring of town files a concurrent commit reverted.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git } from '../helpers/repo.js';
import { townWithTeam, tt } from '../helpers/tt.js';
import { readCommitParent, readHeadCommit, readOwnCommitParent, refStorage, type RefStorage } from '../../src/git/git-dir.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** `git init --ref-format` arrived in git 2.45; older gits (2.39.5 on the build machines) reject the option. */
function supportsReftable(): boolean {
  const dir = mkdtempSync(path.join(tmpdir(), 'tt-reftable-probe-'));
  try {
    execFileSync('git', ['init', '-q', '--ref-format=reftable', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function repoWith(format: RefStorage): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'tt-repo-')));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  git(dir, 'init', '-q', '-b', 'main', ...(format === 'reftable' ? ['--ref-format=reftable'] : []));
  const settings: ReadonlyArray<readonly [string, string]> = [['commit.gpgSign', 'false'], ['gc.auto', '0'], ['user.name', 'Test User'], ['user.email', 'test@example.com']];
  for (const [key, value] of settings) git(dir, 'config', key, value);
  writeFileSync(path.join(dir, 'README.md'), '# test repo\n');
  git(dir, 'add', 'README.md');
  git(dir, 'commit', '-q', '-m', 'initial');
  return dir;
}

function messageFiles(dir: string): string[] {
  const inbox = path.join(dir, '.tinytown', 'inbox', 'backend');
  return existsSync(inbox) ? readdirSync(inbox).filter((name) => name.endsWith('.md')) : [];
}

const REFTABLE = supportsReftable();

function checks(format: RefStorage): void {
  it('reads HEAD and the parent of tt\'s own commit as git does', async () => {
    const dir = repoWith(format);
    const gitDir = path.join(dir, '.git');
    expect(refStorage(gitDir)).toBe(format);
    await townWithTeam(dir);
    expect((await tt(dir, ['send', 'backend', 'hello'])).code).toBe(0);
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    const parent = git(dir, 'rev-parse', 'HEAD^').trim();
    expect(readHeadCommit(gitDir)).toBe(head);
    expect(readOwnCommitParent(gitDir, head)).toBe(parent);
    expect(readCommitParent(gitDir, head)).toBe(parent);
    const root = git(dir, 'rev-list', '--max-parents=0', 'HEAD').trim();
    expect(readCommitParent(gitDir, root)).toBeNull();
  });

  it('re-commits a town file a user commit dropped while the work tree kept it', async () => {
    const dir = repoWith(format);
    await townWithTeam(dir);
    expect((await tt(dir, ['send', 'backend', 'first'])).code).toBe(0);
    const [message] = messageFiles(dir);
    expect(message).toBeDefined();
    const rel = `.tinytown/inbox/backend/${message}`;
    // What a user commit racing tt's commit records: the town file's deletion, the file still on disk.
    git(dir, 'rm', '-q', '--cached', '--', rel);
    git(dir, 'commit', '-q', '-m', 'user commit');
    expect(git(dir, 'ls-tree', '--name-only', 'HEAD', '--', rel).trim()).toBe('');
    expect((await tt(dir, ['send', 'backend', 'second'])).code).toBe(0);
    expect(git(dir, 'ls-tree', '--name-only', 'HEAD', '--', rel).trim()).toBe(rel);
    expect(git(dir, 'log', '--format=%(trailers:key=Tinytown-Action,valueonly)', '--grep', '^Tinytown-Action: restore$')).toContain('restore');
  });
}

describe('a repository with the files ref format', () => checks('files'));

// Skipped where the installed git cannot make a reftable repository (before git 2.45; this
// machine's git 2.39.5 cannot): the checks above then run only for the files format.
describe.skipIf(!REFTABLE)('a repository with the reftable ref format (needs git >= 2.45)', () => checks('reftable'));

describe('ref format detection', () => {
  it('sees extensions.refstorage in the repository config, without a git that understands it', () => {
    const gitDir = realpathSync(mkdtempSync(path.join(tmpdir(), 'tt-gitdir-')));
    cleanups.push(() => rmSync(gitDir, { recursive: true, force: true }));
    writeFileSync(path.join(gitDir, 'config'), '[core]\n\trepositoryformatversion = 1\n[extensions]\n\tobjectformat = sha1\n\trefStorage = reftable\n');
    expect(refStorage(gitDir)).toBe('reftable');
    writeFileSync(path.join(gitDir, 'config'), '[core]\n\trepositoryformatversion = 0\n[remote "origin"]\n\turl = x\n');
    expect(refStorage(gitDir)).toBe('files');
  });
});
