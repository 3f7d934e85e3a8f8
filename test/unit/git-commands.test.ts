/**
 * Every git call tt makes, as data: the exact argv of each task (and the
 * parsing of its output, given text), without running git. Integration tests
 * run the same tasks against real repositories.
 */
import { describe, expect, it } from 'vitest';
import type { GitResult } from '../../src/git/run-git.js';
import {
  addPathTask, changedPathsTask, checkAttrTask, committedTextTask, configGetTask, configSetTask, countCommitsTask, currentBranchTask,
  committedBlobsTask, mergeBaseTask, remoteDefaultBranchTask, remotesTask, removeFromIndexTask, revisionExistsTask, revParseTask,
  statusTask, topLevelTask, unmergedPathsTask, unmergedStagesTask, untrackedPathsTask, verifyCommitTask,
} from '../../src/git/repo.js';
import { FALLBACK_COMMITTER, hasCommitterTask, identityEnv } from '../../src/git/identity.js';
import { autoMaintenanceTask, concludeMergeTask } from '../../src/git/commit.js';
import { commitMessage, indexInfo, readObjectsTask, updateHeadTask } from '../../src/git/commit-builder.js';
import { commitTreeTask, writeBlobTask, writeFileBlobsTask, writeTreesTask } from '../../src/git/object-writer.js';
import { booleanSetting, commitSettingsTask, committerOf, fsyncLooseObjects, parseCommitSettings, strictCommitterTask } from '../../src/git/commit-settings.js';
import { blobId, hashObject, mktreeRecords, parseBatch, parseTree, sortEntries, treeBody } from '../../src/git/trees.js';
import { fetchArgs, mergeArgs, pushArgs } from '../../src/git/remote.js';
import { townLogTask } from '../../src/git/log.js';
import { codeCommitsTask, codeDiffstatTask, latestCodeCommitTask, taskActionCommitTask } from '../../src/git/code-changes.js';
import { changedSinceTask, hashFilesTask, treeFilesTask } from '../../src/git/reverted.js';
import { mergeFileTask } from '../../src/git/merge-file.js';
import { headCommitArgs, parentsArgs } from '../../src/git/git-dir.js';
import { GitError } from '../../src/errors.js';

const answer = (stdout: string, exitCode = 0, stderr = ''): GitResult => ({ stdout, stderr, exitCode });
const SHA = 'a'.repeat(40);

describe('repository questions (git/repo.ts)', () => {
  it('asks with exactly these argv', () => {
    expect(topLevelTask().args).toEqual(['rev-parse', '--show-toplevel']);
    expect(currentBranchTask().args).toEqual(['symbolic-ref', '--quiet', '--short', 'HEAD']);
    expect(remoteDefaultBranchTask().args).toEqual(['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD']);
    expect(remotesTask().args).toEqual(['remote']);
    expect(configGetTask('branch.main.remote').args).toEqual(['config', '--get', 'branch.main.remote']);
    expect(configSetTask('merge.tinytown.name', 'Tinytown: x').args).toEqual(['config', 'merge.tinytown.name', 'Tinytown: x']);
    expect(checkAttrTask('merge', '.tinytown/town.yml').args).toEqual(['check-attr', 'merge', '--', '.tinytown/town.yml']);
    expect(revParseTask('FETCH_HEAD^{commit}').args).toEqual(['rev-parse', 'FETCH_HEAD^{commit}']);
    expect(verifyCommitTask('main').args).toEqual(['rev-parse', '--verify', '--quiet', 'main^{commit}']);
    expect(revisionExistsTask('HEAD^2').args).toEqual(['rev-parse', '--verify', '--quiet', 'HEAD^2']);
    expect(mergeBaseTask('main', 'HEAD').args).toEqual(['merge-base', 'main', 'HEAD']);
    expect(countCommitsTask('HEAD..abc').args).toEqual(['rev-list', '--count', 'HEAD..abc']);
    expect(unmergedPathsTask().args).toEqual(['diff', '--name-only', '--no-relative', '--diff-filter=U']);
    expect(unmergedStagesTask().args).toEqual(['ls-files', '-u', '-z']);
    expect(addPathTask('a b.md').args).toEqual(['add', '--', 'a b.md']);
    expect(removeFromIndexTask('x.md').args).toEqual(['rm', '--cached', '--quiet', '--', 'x.md']);
    expect(committedTextTask('.tinytown/tasks/t-1.md').args).toEqual(['show', 'HEAD:./.tinytown/tasks/t-1.md']);
    expect(committedBlobsTask(['a*b.md', 'c.md']).args).toEqual(['--literal-pathspecs', 'ls-tree', '-z', 'HEAD', '--', 'a*b.md', 'c.md']);
    expect(untrackedPathsTask('.tinytown').args).toEqual(['ls-files', '-z', '-o', '--exclude-standard', '--', '.tinytown']);
    expect(changedPathsTask('.tinytown').args).toEqual(['diff', '--name-only', '-z', '--no-renames', '--relative', '--', '.tinytown']);
    expect(statusTask('.tinytown').args).toEqual(['status', '--porcelain', '--untracked-files=all', '--', '.tinytown']);
  });

  it('treats the exit codes that are answers as answers', () => {
    expect(currentBranchTask().okExitCodes).toEqual([1]);
    expect(currentBranchTask().parse(answer('', 1))).toBeUndefined();
    expect(currentBranchTask().parse(answer('main\n'))).toBe('main');
    expect(configGetTask('x').parse(answer('', 1))).toBeUndefined();
    expect(revisionExistsTask('HEAD^2').parse(answer('', 1))).toBe(false);
    expect(committedTextTask('a').parse(answer('', 128))).toBeUndefined();
    expect(committedTextTask('a').parse(answer(' text\n'))).toBe(' text\n');
    expect(() => revParseTask('HEAD').parse(answer(''))).toThrow();
  });

  it('parses NUL-separated records, unmerged stages and porcelain status', () => {
    expect(untrackedPathsTask('.tinytown').parse(answer('.tinytown/a.md\0.tinytown/b c.md\0'))).toEqual(['.tinytown/a.md', '.tinytown/b c.md']);
    const stages = unmergedStagesTask().parse(answer(`100644 ${SHA} 1\tf.md\x00100644 ${SHA} 2\tf.md\x00100644 ${SHA} 3\tg.md\0`));
    expect([...stages.entries()].map(([file, set]) => [file, [...set]])).toEqual([['f.md', ['1', '2']], ['g.md', ['3']]]);
    expect(statusTask('.tinytown').parse(answer('?? .tinytown/x.md\n M ".tinytown/y z.md"\n'))).toEqual([
      { code: '??', path: '.tinytown/x.md' }, { code: ' M', path: '.tinytown/y z.md' },
    ]);
    expect(countCommitsTask('HEAD').parse(answer('12\n'))).toBe(12);
  });

  it('reads the blobs of HEAD\'s tree, leaving out sub-trees, and none on an unborn branch', () => {
    const entries = committedBlobsTask(['a', 'b', 'dir']).parse(answer(`100644 blob ${SHA}\ta b\x00040000 tree ${SHA}\tdir\0`));
    expect([...entries]).toEqual([['a b', SHA]]);
    expect([...committedBlobsTask(['a']).parse({ ...answer(''), exitCode: 128 })]).toEqual([]);
  });
});

describe('commits (git/commit.ts, git/identity.ts)', () => {
  it('builds a commit from objects: blobs, the changed folders, commit-tree, a compare-and-swap of HEAD', () => {
    expect(writeFileBlobsTask(['.tinytown/inbox/a/m.md', '.tinytown/tasks/t.md'])).toMatchObject({
      args: ['hash-object', '-w', '--no-filters', '--stdin-paths'], input: '.tinytown/inbox/a/m.md\n.tinytown/tasks/t.md\n', blocking: true,
    });
    expect(writeBlobTask('text\n')).toMatchObject({ args: ['hash-object', '-w', '--no-filters', '--stdin'], input: 'text\n' });
    expect(readObjectsTask(['abc^{tree}', 'abc:.tinytown'])).toMatchObject({ args: ['cat-file', '--batch'], input: 'abc^{tree}\nabc:.tinytown\n' });
    expect(writeTreesTask('x')).toMatchObject({ args: ['mktree', '-z', '--batch'], input: 'x' });
    const message = commitMessage({ subject: 'tt(alice): send  to bob', trailers: [['Tinytown-Action', 'send'], ['Tinytown-Agent', 'alice']] });
    expect(message).toBe('tt(alice): send to bob\n\nTinytown-Action: send\nTinytown-Agent: alice\n');
    const task = commitTreeTask('t1', 'p1', message, { GIT_AUTHOR_NAME: 'alice' });
    expect(task.args).toEqual(['-c', 'user.useConfigOnly=true', 'commit-tree', 't1', '-p', 'p1']);
    expect(task.input).toBe(message);
    expect(task.env).toEqual({ GIT_AUTHOR_NAME: 'alice' });
    expect(task.parse(answer('c0ffee\n'))).toBe('c0ffee');
    expect(commitTreeTask('t1', undefined, message, {}).args).toEqual(['-c', 'user.useConfigOnly=true', 'commit-tree', 't1']);
    expect(commitTreeTask('t1', 'p1', message, {}, true).args).toEqual(['-c', 'user.useConfigOnly=true', 'commit-tree', '-S', 't1', '-p', 'p1']);
    expect(updateHeadTask('new', 'old', 'commit: s').args).toEqual(['update-ref', '-m', 'commit: s', 'HEAD', 'new', 'old']);
    // an unborn branch: the ref must not exist yet
    expect(updateHeadTask('new', undefined, 'commit (initial): s').args).toEqual(['update-ref', '-m', 'commit (initial): s', 'HEAD', 'new', '']);
  });

  it('sets exactly the committed paths in the index; a removed path gets a mode-0 line', () => {
    const entries = new Map([['.tinytown/inbox/a/read/m.md', { mode: '100644', id: 'ab'.repeat(20) }], ['.tinytown/inbox/a/m.md', null]]);
    expect(indexInfo(entries, 'sha1')).toBe(`100644 ${'ab'.repeat(20)}\t.tinytown/inbox/a/read/m.md\n0 ${'0'.repeat(40)}\t.tinytown/inbox/a/m.md\n`);
    expect(indexInfo(new Map([['p', null]]), 'sha256')).toBe(`0 ${'0'.repeat(64)}\tp\n`);
  });

  it('hashes trees and blobs as git does, in git\'s order (a folder sorts as if its name ended in "/")', () => {
    expect(blobId('hello\n', 'sha1')).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
    const entries = sortEntries([
      { mode: '100644', name: 'a.txt', id: 'ce013625030ba8dba906f756967f9e9ca394464a' },
      { mode: '40000', name: 'a', id: '4b825dc642cb6eb9a060e54bf8d69288fbee4904' },
      { mode: '100644', name: 'a-b', id: 'ce013625030ba8dba906f756967f9e9ca394464a' },
    ]);
    expect(entries.map((entry) => entry.name)).toEqual(['a-b', 'a.txt', 'a']);
    const body = treeBody(entries);
    expect(parseTree(body, 'sha1')).toEqual(entries);
    expect(mktreeRecords(entries.slice(2))).toBe('40000 tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\ta\0');
    expect(hashObject('tree', Buffer.alloc(0), 'sha1')).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904');
    const batch = Buffer.concat([Buffer.from(`x tree ${body.length}\n`), body, Buffer.from('\nabc:missing missing\n')]);
    const objects = parseBatch(batch, 2);
    expect(objects[0]?.body.equals(body)).toBe(true);
    expect(objects[1]).toBeUndefined();
  });

  it('sorts names outside ASCII by their UTF-8 bytes, as git does', () => {
    const id = 'ce013625030ba8dba906f756967f9e9ca394464a';
    // UTF-16 order would put U+FF21 after U+1F600 (a surrogate pair, 0xD83D…); UTF-8 bytes put it before.
    const names = ['\u{1F600}.md', '\uFF21.md', 'z.md', 'é.md', 'e.md'];
    const sorted = sortEntries(names.map((name) => ({ mode: '100644', name, id })));
    expect(sorted.map((entry) => entry.name)).toEqual(['e.md', 'z.md', 'é.md', '\uFF21.md', '\u{1F600}.md']);
    const folders = sortEntries([{ mode: '40000', name: 'é', id }, { mode: '100644', name: 'é.md', id }, { mode: '100644', name: 'é0', id }]);
    expect(folders.map((entry) => entry.name)).toEqual(['é.md', 'é', 'é0']);
    expect(parseTree(treeBody(sorted), 'sha1')).toEqual(sorted);
    expect(() => parseTree(treeBody(sorted).subarray(0, -1), 'sha1')).toThrow(/malformed tree object/);
    expect(() => parseTree(Buffer.from('100644 no-nul'), 'sha1')).toThrow(/malformed tree object/);
    expect(() => treeBody([{ mode: '100644', name: 'a.md', id: `${id.slice(0, 38)}zz` }])).toThrow(/malformed tree entry id/);
  });

  it('asks for git\'s auto-maintenance now and then', () => {
    expect(autoMaintenanceTask().args).toEqual(['maintenance', 'run', '--auto', '--quiet']);
  });

  it('concludes a resolved merge with git\'s prepared message, comments stripped', () => {
    expect(concludeMergeTask({}).args).toEqual(['-c', 'user.useConfigOnly=true', 'commit', '--no-edit', '--cleanup=strip', '--no-verify', '--quiet']);
  });

  it('asks for a configured committer, and falls back to the one tinytown identity', () => {
    expect(hasCommitterTask().args).toEqual(['-c', 'user.useConfigOnly=true', 'var', 'GIT_COMMITTER_IDENT']);
    expect(hasCommitterTask().parse(answer('', 128))).toBe(false);
    expect(identityEnv('bob', true)).toEqual({ GIT_AUTHOR_NAME: 'bob', GIT_AUTHOR_EMAIL: 'bob@tinytown.invalid' });
    expect(identityEnv('bob', false)).toEqual({ GIT_AUTHOR_NAME: 'bob', GIT_AUTHOR_EMAIL: 'bob@tinytown.invalid', ...FALLBACK_COMMITTER });
  });
});

describe('tt sync\'s porcelain (git/remote.ts, run by simple-git)', () => {
  it('fetches one ref, quietly unless progress is shown', () => {
    expect(fetchArgs('origin', 'refs/heads/main')).toEqual(['fetch', '--quiet', '--no-tags', 'origin', 'refs/heads/main']);
    expect(fetchArgs('origin', 'refs/heads/main', true)).toEqual(['fetch', '--progress', '--no-tags', 'origin', 'refs/heads/main']);
  });

  it('merges with its own message, never an editor, never a hook', () => {
    expect(mergeArgs(SHA, ['tt(conductor): merge origin/main (1 commit)', 'Tinytown-Action: merge\nTinytown-Agent: conductor'])).toEqual([
      '-c', 'user.useConfigOnly=true', 'merge', '--ff', '--no-edit', '--no-stat', '--no-verify',
      '-m', 'tt(conductor): merge origin/main (1 commit)', '-m', 'Tinytown-Action: merge\nTinytown-Agent: conductor', SHA,
    ]);
  });

  it('pushes HEAD to the remote ref', () => {
    expect(pushArgs('origin', 'refs/heads/main')).toEqual(['push', 'origin', 'HEAD:refs/heads/main', '--verbose', '--porcelain']);
  });
});

describe('history and code changes (git/log.ts, git/code-changes.ts)', () => {
  const FORMAT = '--format=%H\x1f%aI\x1f%an\x1f%s\x1f%(trailers:only,unfold)\x1e';

  it('reads town commits by their trailers', () => {
    expect(townLogTask({}).args).toEqual(['log', FORMAT, '--grep', '^Tinytown-Action: ', '--all-match', 'HEAD', '--']);
    expect(townLogTask({ agent: 'a.b', task: 't-1', limit: 5, reverse: true, range: 'x..HEAD' }).args).toEqual([
      'log', FORMAT, '--grep', '^Tinytown-Action: ', '--all-match',
      '--grep', '^Tinytown-Agent: a\\.b$', '--grep', '^Tinytown-Task: t-1$', '-n', '5', '--reverse', 'x..HEAD', '--',
    ]);
  });

  it('reads an unborn HEAD as an empty history, and a bad range as an error', () => {
    expect(townLogTask({}).parse(answer('', 128, "fatal: your current branch 'main' does not have any commits yet"))).toEqual([]);
    expect(() => townLogTask({ range: 'nope..HEAD' }).parse(answer('', 128, 'fatal: bad revision'))).toThrow(GitError);
  });

  it('finds code commits outside the town', () => {
    expect(taskActionCommitTask('t-1', 'start').args).toEqual(['log', '-1', '--format=%H', '--all-match', '--grep', '^Tinytown-Task: t-1$', '--grep', '^Tinytown-Action: start$', 'HEAD']);
    expect(codeCommitsTask('abc').args).toEqual(['log', '--format=%H%x1f%h%x1f%s', 'abc..HEAD', '--', '.', ':(exclude).tinytown']);
    expect(codeCommitsTask('abc').parse(answer(`${SHA}\x1faaaaaaa\x1ffix it\n`))).toEqual([{ commit: SHA, short: 'aaaaaaa', subject: 'fix it' }]);
    expect(codeCommitsTask('abc').parse(answer('', 128))).toBeUndefined();
    expect(codeDiffstatTask('abc').args).toEqual(['diff', '--stat', 'abc', 'HEAD', '--', '.', ':(exclude).tinytown']);
    expect(latestCodeCommitTask().args).toEqual(['log', '-1', '--format=%H', 'HEAD', '--', '.', ':(exclude).tinytown']);
    expect(latestCodeCommitTask().parse(answer('', 128))).toBeNull();
  });
});

describe('the write path\'s checks (git/reverted.ts, git/git-dir.ts, git/merge-file.ts)', () => {
  it('compares the town folder with tt\'s last commit, paths on stdin', () => {
    expect(changedSinceTask(SHA, { folder: '.tinytown' }).args).toEqual(['diff', '--name-only', '--no-renames', SHA, 'HEAD', '--', '.tinytown']);
    expect(changedSinceTask(SHA, { paths: ['.tinytown/a b.md'] }).args).toEqual(['diff', '--name-only', '--no-renames', SHA, 'HEAD', '--', ':(top,literal).tinytown/a b.md']);
    expect(treeFilesTask(SHA, { folder: '.tinytown' }).args).toEqual(['ls-tree', '-r', '--full-name', SHA, '--', '.tinytown']);
    const hash = hashFilesTask(['a.md', 'b.md']);
    expect(hash.args).toEqual(['hash-object', '--no-filters', '--stdin-paths']);
    expect(hash.input).toBe('a.md\nb.md\n');
    expect(hash.parse(answer('', 128))).toBeUndefined();
  });

  it('asks git for HEAD and parents in a reftable repository', () => {
    expect(headCommitArgs).toEqual(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
    expect(parentsArgs(SHA)).toEqual(['rev-list', '--parents', '-n', '1', SHA, '--']);
  });

  it('merges three files line by line, --union only when asked', () => {
    const files = { base: 'b', ours: 'o', theirs: 't' };
    expect(mergeFileTask(files, false).args).toEqual(['merge-file', '-p', '--quiet', 'o', 'b', 't']);
    expect(mergeFileTask(files, true).args).toEqual(['merge-file', '-p', '--quiet', '--union', 'o', 'b', 't']);
    expect(mergeFileTask(files, false).parse(answer('merged', 2))).toEqual({ text: 'merged', clean: false });
  });
});

describe('worktrees, task branches and the merge of an approved branch (git/worktree.ts, git/merge-tree.ts)', () => {
  it('asks with exactly these argv', async () => {
    const wt = await import('../../src/git/worktree.js');
    const mt = await import('../../src/git/merge-tree.js');
    expect(wt.listWorktreesTask().args).toEqual(['worktree', 'list', '--porcelain', '-z']);
    expect(wt.addWorktreeTask('/x/wt', SHA).args).toEqual(['worktree', 'add', '--quiet', '--detach', '/x/wt', SHA]);
    expect(wt.removeWorktreeTask('/x/wt', true).args).toEqual(['worktree', 'remove', '--force', '/x/wt']);
    expect(wt.createBranchHereTask('tt/t-abc123', SHA).args).toEqual(['switch', '--quiet', '--no-guess', '--create', 'tt/t-abc123', SHA]);
    expect(wt.switchBranchHereTask('tt/t-abc123').args).toEqual(['switch', '--quiet', '--no-guess', 'tt/t-abc123']);
    expect(wt.detachHereTask().args).toEqual(['switch', '--quiet', '--detach']);
    expect(wt.deleteBranchTask('tt/t-abc123', SHA).args).toEqual(['update-ref', '-d', 'refs/heads/tt/t-abc123', SHA]);
    expect(wt.isAncestorTask('a', 'b').args).toEqual(['merge-base', '--is-ancestor', 'a', 'b']);
    expect(wt.uncommittedPathsTask(['a*b']).args).toEqual(['--literal-pathspecs', 'status', '--porcelain', '-z', '--untracked-files=all', '--no-renames', '--', 'a*b']);
    expect(mt.mergeTreeTask('a', 'b').args).toEqual(['merge-tree', '--write-tree', '-z', '--name-only', '--no-messages', 'a', 'b']);
    expect(mt.commitTreeTask('t', ['p1', 'p2'], 'msg', {}).args).toEqual(['commit-tree', 't', '-p', 'p1', '-p', 'p2', '-F', '-']);
    expect(mt.updateRefTask('refs/heads/main', 'new', 'old', 'why').args).toEqual(['update-ref', '-m', 'why', 'refs/heads/main', 'new', 'old']);
    expect(mt.changedBetweenTask('a', 'b').args).toEqual(['diff-tree', '-r', '-z', '--name-only', '--no-renames', '--no-commit-id', 'a', 'b']);
    expect(mt.checkoutFromCommitTask('c', ['x', 'y z']).args).toEqual(['--literal-pathspecs', 'checkout', '--quiet', 'c', '--pathspec-from-file=-', '--pathspec-file-nul']);
    expect(mt.checkoutFromCommitTask('c', ['x', 'y z']).input).toBe('x\0y z\0');
    expect(mt.changedSinceCommitTask('c', ['a*b']).args).toEqual(['--literal-pathspecs', 'diff', '--name-only', '-z', '--no-renames', '--no-relative', 'c', '--', 'a*b']);
  });

  it('reads merge-tree\'s answer: the tree, or the conflicting paths', async () => {
    const mt = await import('../../src/git/merge-tree.js');
    expect(mt.mergeTreeTask('a', 'b').parse(answer(`${SHA}\0`))).toEqual({ clean: true, tree: SHA });
    expect(mt.mergeTreeTask('a', 'b').parse(answer(`${SHA}\0f\0f\0g h\0`, 1))).toEqual({ clean: false, conflicts: ['f', 'g h'] });
    // A git older than 2.38 answers --write-tree with its usage (exit 129): a refusal naming the version, not git's usage text.
    expect(() => mt.mergeTreeTask('a', 'b').parse(answer('', 129, 'usage: git merge-tree <base-tree> <branch1> <branch2>'))).toThrow(/git 2\.38 or newer/);
    const wt = await import('../../src/git/worktree.js');
    expect(wt.listWorktreesTask().parse(answer(`worktree /r\0HEAD ${SHA}\0branch refs/heads/main\0\0worktree /r/.git/tinytown/worktrees/a b\0HEAD ${SHA}\0detached\0\0`)))
      .toEqual([{ path: '/r', head: SHA, branch: 'refs/heads/main', prunable: false }, { path: '/r/.git/tinytown/worktrees/a b', head: SHA, branch: undefined, prunable: false }]);
  });
});

describe('commit settings from one `git var -l` (git/commit-settings.ts)', () => {
  const listing = (config: string[]) => [...config, 'GIT_COMMITTER_IDENT=Dev <dev@example.com> 1700000000 +0100', 'GIT_AUTHOR_IDENT=x <y> 1700000001 -0230', 'GIT_EDITOR=vi', ''].join('\n');

  it('asks git for its configuration and identities, and for the strict committer only where needed', () => {
    expect(commitSettingsTask().args).toEqual(['var', '-l']);
    expect(strictCommitterTask().args).toEqual(['-c', 'user.useConfigOnly=true', 'var', 'GIT_COMMITTER_IDENT']);
    expect(strictCommitterTask().parse(answer('A <a@b> 1 +0000\n'))).toBe('A <a@b> 1 +0000');
    expect(strictCommitterTask().parse(answer('', 128))).toBeUndefined();
  });

  it('reads the listing: config values in order, the committer ident, the author date', () => {
    const settings = parseCommitSettings(listing(['commit.gpgsign=false', 'commit.gpgsign', 'user.name=A=B', 'core.fsync=committed']));
    expect(settings.config.get('commit.gpgsign')).toEqual(['false', null]);
    expect(booleanSetting(settings, 'commit.gpgsign')).toBe(true);
    expect(settings.config.get('user.name')).toEqual(['A=B']);
    expect(settings.committerIdent).toBe('Dev <dev@example.com> 1700000000 +0100');
    expect(settings.authorDate).toBe('1700000001 -0230');
    expect(fsyncLooseObjects(settings)).toBe(true);
    expect(fsyncLooseObjects(parseCommitSettings(listing(['core.fsync=reference,-loose-object'])))).toBe(false);
    expect(booleanSetting(parseCommitSettings(listing(['commit.gpgsign=Off'])), 'commit.gpgsign')).toBe(false);
    expect(booleanSetting(parseCommitSettings(listing(['commit.gpgsign=2k'])), 'commit.gpgsign')).toBe(true);
    expect(() => booleanSetting(parseCommitSettings(listing(['commit.gpgsign=maybe'])), 'commit.gpgsign')).toThrow(/commit\.gpgsign/);
    expect(() => parseCommitSettings('user.name=x\n')).toThrow(GitError);
  });

  it('decides the committer as git with user.useConfigOnly would, asking git where the listing cannot tell', () => {
    const of = (config: string[], env: Record<string, string> = {}) => committerOf(parseCommitSettings(listing(config)), env).kind;
    expect(of(['user.name=Dev', 'user.email=dev@example.com'])).toBe('configured');
    expect(committerOf(parseCommitSettings(listing(['user.name=Dev', 'user.email=d@e'])), {})).toEqual({ kind: 'configured', ident: 'Dev <dev@example.com> 1700000000 +0100' });
    expect(of([])).toBe('missing');
    expect(of(['user.name=Dev'])).toBe('missing');
    expect(of(['user.email=dev@example.com'])).toBe('missing');
    expect(of([], { GIT_COMMITTER_NAME: 'E', GIT_COMMITTER_EMAIL: 'e@x' })).toBe('configured');
    expect(of(['user.email=d@e'], { GIT_COMMITTER_NAME: 'E' })).toBe('configured');
    expect(of(['user.name=', 'user.email=d@e'])).toBe('ask');
    expect(of(['user.name=...', 'user.email=d@e'])).toBe('ask');
    expect(of(['committer.name=C', 'user.email=d@e'])).toBe('ask');
    expect(of(['author.name=A', 'author.email=a@b'])).toBe('ask');
  });
});
