/**
 * Step 5 of the commit path in-process (git/index-entries.ts): the same index
 * file `git update-index --index-info` writes, and git itself wherever the
 * index holds something this module does not rewrite.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IndexEntry } from '../../src/git/commit-builder.js';
import { indexInfo } from '../../src/git/commit-builder.js';
import { warmIndexReads, writeIndexEntries } from '../../src/git/index-entries.js';
import { git, tempRepo } from '../helpers/repo.js';

function write(dir: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
}

/** A repository with nested folders, committed (so its index has a full cache tree). */
function repoWithTree(): string {
  const dir = tempRepo();
  for (const file of ['a.txt', 'src/x.ts', 'src/deep/y.ts', '.tinytown/inbox/backend/001.md', '.tinytown/inbox/backend/003.md', '.tinytown/tasks/t-1.md', 'z/last.txt']) write(dir, file, `${file}\n`);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'tree');
  return dir;
}

const blob = (dir: string, text: string) => execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: dir, input: text, encoding: 'utf8' }).trim();

/** Both writers on copies of the same index; answers the two files' bytes. */
function both(dir: string, entries: Map<string, IndexEntry>): { ours: Buffer; gits: Buffer; done: boolean } {
  const index = path.join(dir, '.git', 'index');
  const ours = `${index}.ours`;
  const gits = `${index}.gits`;
  copyFileSync(index, ours);
  copyFileSync(index, gits);
  const done = writeIndexEntries(ours, entries, 'sha1');
  execFileSync('git', ['update-index', '--index-info'], { cwd: dir, input: indexInfo(entries, 'sha1'), env: { ...process.env, GIT_INDEX_FILE: gits } });
  return { ours: readFileSync(ours), gits: readFileSync(gits), done };
}

describe('setting index entries in-process', () => {
  it('writes the very bytes git update-index --index-info writes: added, changed and removed entries, the cache tree invalidated above them', () => {
    const dir = repoWithTree();
    const entries = new Map<string, IndexEntry>([
      ['.tinytown/inbox/backend/002.md', { mode: '100644', id: blob(dir, 'new message\n') }],
      ['.tinytown/tasks/t-1.md', { mode: '100644', id: blob(dir, 'changed task\n') }],
      ['.tinytown/inbox/backend/003.md', null],
      ['.tinytown/inbox/frontend/001.md', { mode: '100644', id: blob(dir, 'a new folder\n') }],
    ]);
    const { ours, gits, done } = both(dir, entries);
    expect(done).toBe(true);
    expect(ours.equals(gits)).toBe(true);
  });

  it('leaves a consistent index: write-tree builds the committed tree, fsck and status agree', () => {
    const dir = repoWithTree();
    write(dir, '.tinytown/inbox/backend/002.md', 'new message\n');
    const id = blob(dir, 'new message\n');
    expect(writeIndexEntries(path.join(dir, '.git', 'index'), new Map([['.tinytown/inbox/backend/002.md', { mode: '100644', id }]]), 'sha1')).toBe(true);
    expect(git(dir, 'ls-files', '-s', '.tinytown/inbox/backend/002.md')).toBe(`100644 ${id} 0\t.tinytown/inbox/backend/002.md\n`);
    // The cache tree above the new entry was invalidated: write-tree sees the new file, untouched folders keep their trees.
    const tree = git(dir, 'write-tree').trim();
    expect(git(dir, 'rev-parse', `${tree}:.tinytown/inbox/backend/002.md`).trim()).toBe(id);
    expect(git(dir, 'rev-parse', `${tree}:src`).trim()).toBe(git(dir, 'rev-parse', 'HEAD:src').trim());
    expect(git(dir, 'status', '--porcelain')).toBe('A  .tinytown/inbox/backend/002.md\n');
    expect(git(dir, 'fsck', '--no-progress', '--no-dangling')).toBe('');
  });

  it('leaves to git, file untouched, an index it does not rewrite: version 4, the untracked cache, a conflict, a file/folder clash', () => {
    const cases: Array<[string, (dir: string) => void, string]> = [
      ['version 4', (dir) => git(dir, 'update-index', '--index-version', '4'), '.tinytown/x.md'],
      ['untracked cache', (dir) => { git(dir, 'update-index', '--untracked-cache'); git(dir, 'status', '--porcelain'); }, '.tinytown/x.md'],
      ['a folder where a file goes', () => undefined, 'src'],
      ['a file where a folder goes', () => undefined, 'a.txt/inside.md'],
    ];
    for (const [name, setUp, file] of cases) {
      const dir = repoWithTree();
      setUp(dir);
      const index = path.join(dir, '.git', 'index');
      const before = readFileSync(index);
      expect(writeIndexEntries(index, new Map([[file, { mode: '100644', id: blob(dir, 'x\n') }]]), 'sha1'), name).toBe(false);
      expect(readFileSync(index).equals(before), name).toBe(true);
    }
    // A conflict at the path (stages 1–3).
    const dir = repoWithTree();
    const id = blob(dir, 'x\n');
    execFileSync('git', ['update-index', '--index-info'], { cwd: dir, input: `0 ${'0'.repeat(40)}\ta.txt\n100644 ${id} 1\ta.txt\n100644 ${id} 2\ta.txt\n` });
    expect(writeIndexEntries(path.join(dir, '.git', 'index'), new Map([['a.txt', { mode: '100644', id }]]), 'sha1')).toBe(false);
  });

  it('refuses a damaged index (its checksum) rather than rewrite it', () => {
    const dir = repoWithTree();
    const index = path.join(dir, '.git', 'index');
    const bytes = readFileSync(index);
    bytes[20] = bytes[20]! ^ 0xff;
    writeFileSync(index, bytes);
    expect(writeIndexEntries(index, new Map([['b.txt', { mode: '100644', id: blob(dir, 'b\n') }]]), 'sha1')).toBe(false);
  });
  it('warming the reads (tt watch, when idle) changes no byte, and a missing or foreign index is no error', () => {
    const dir = repoWithTree();
    const index = path.join(dir, '.git', 'index');
    const before = readFileSync(index);
    warmIndexReads(index, 'sha1');
    expect(readFileSync(index).equals(before)).toBe(true);
    warmIndexReads(path.join(dir, '.git', 'no-such-index'), 'sha1');
    writeFileSync(`${index}.garbage`, 'not an index');
    warmIndexReads(`${index}.garbage`, 'sha1');
    // and a write right after still gives git's bytes
    const entries = new Map<string, IndexEntry>([['.tinytown/inbox/backend/002.md', { mode: '100644', id: blob(dir, 'after warming\n') }]]);
    const { ours, gits, done } = both(dir, entries);
    expect(done).toBe(true);
    expect(ours.equals(gits)).toBe(true);
  });
});
