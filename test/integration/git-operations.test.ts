import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitCount, git, tempRepo } from '../helpers/repo.js';
import { townWithTeam, tt } from '../helpers/tt.js';

/** Two branches that change the same line of app.txt, so integrating them stops with a conflict. */
function divergedRepo(dir: string): void {
  writeFileSync(path.join(dir, 'app.txt'), 'base\n');
  git(dir, 'add', 'app.txt');
  git(dir, 'commit', '-q', '-m', 'base');
  git(dir, 'checkout', '-q', '-b', 'other');
  writeFileSync(path.join(dir, 'app.txt'), 'theirs\n');
  git(dir, 'commit', '-q', '-am', 'theirs');
  git(dir, 'checkout', '-q', 'main');
  writeFileSync(path.join(dir, 'app.txt'), 'ours\n');
  git(dir, 'commit', '-q', '-am', 'ours');
}

const operations: Array<[name: string, start: (dir: string) => void, finish: (dir: string) => void]> = [
  ['merge', (dir) => git(dir, 'merge', '-q', 'other'), (dir) => git(dir, 'merge', '--abort')],
  ['rebase', (dir) => git(dir, 'rebase', '-q', 'other'), (dir) => git(dir, 'rebase', '--abort')],
  ['cherry-pick', (dir) => git(dir, 'cherry-pick', 'other'), (dir) => git(dir, 'cherry-pick', '--abort')],
  ['revert', (dir) => {
    // Reverting "ours" conflicts once the same line has changed again.
    writeFileSync(path.join(dir, 'app.txt'), 'ours again\n');
    git(dir, 'commit', '-q', '-am', 'ours again');
    git(dir, 'revert', '--no-edit', 'HEAD~1');
  }, (dir) => git(dir, 'revert', '--abort')],
];

describe('a git operation in progress', () => {
  it.each(operations)('during a %s: tt writes, does not commit, says so; the next command commits it', async (name, start, finish) => {
    const dir = tempRepo();
    await townWithTeam(dir);
    divergedRepo(dir);
    expect(() => start(dir)).toThrow();
    const before = commitCount(dir);
    const sent = await tt(dir, ['send', 'backend', `written during a ${name}`, '--json']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stderr).toContain(`a git ${name} is in progress`);
    expect(commitCount(dir)).toBe(before);
    const messagePath = sent.json<{ message: { path: string } }>().message.path;
    expect(git(dir, 'ls-files', messagePath).trim()).toBe('');
    finish(dir);
    const after = await tt(dir, ['send', 'frontend', 'after it ended']);
    expect(after.code, after.stderr).toBe(0);
    expect(git(dir, 'ls-tree', '--name-only', 'HEAD', messagePath).trim()).toBe(messagePath);
    expect(git(dir, 'log', '-2', '--format=%s').trim().split('\n')).toEqual([
      'tt(conductor): send to frontend: after it ended',
      `tt(conductor): send to backend: written during a ${name}`,
    ]);
    expect(git(dir, 'status', '--porcelain', '.tinytown').trim()).toBe('');
  });
});
