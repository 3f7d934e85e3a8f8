// Temporary git repositories, and the raw-git floor a tt write is compared with.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { msSince, nowNs } from './timing.mjs';

/** A few random letters and digits, to make file contents unique. */
export const randomToken = (n) => randomBytes(n).toString('base64url').slice(0, n).toLowerCase();

/** Repositories numbered in the order made, under `tmp`: a local identity, no signing, no automatic gc, one commit. */
export function createRepos({ tmp, processes }) {
  let counter = 0;
  return function newRepo(label) {
    const { git } = processes;
    const dir = path.join(tmp, `${String(++counter).padStart(2, '0')}-${label}`);
    fs.mkdirSync(dir);
    git(dir, 'init', '-q', '-b', 'main');
    for (const [key, value] of [['user.name', 'Bench'], ['user.email', 'bench@example.invalid'], ['commit.gpgSign', 'false'], ['gc.auto', '0']]) {
      git(dir, 'config', key, value);
    }
    fs.writeFileSync(path.join(dir, 'README.md'), `# ${label}\n\nA repository made by bench/run.mjs.\n`);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'initial commit');
    return dir;
  };
}

/** `git add F && git commit -q -m x` of one file, after a `node -e 0`: the least a tt write can cost. */
export function rawGitBaseline(processes, dir, round) {
  const { git, nodeNoop, nodeNoopAsTtStarts } = processes;
  fs.writeFileSync(path.join(dir, 'bench-file.txt'), `round ${round} ${randomToken(8)}\n`);
  const t0 = nowNs();
  const node = nodeNoop(dir).ms;
  const add = git(dir, 'add', 'bench-file.txt').ms;
  const commit = git(dir, 'commit', '-q', '-m', 'x').ms;
  const total = msSince(t0);
  const nodeAsTt = nodeNoopAsTtStarts(dir);
  return { total, node, add, commit, nodeAsTt, totalAsTt: nodeAsTt === null ? null : nodeAsTt + add + commit };
}

export function committedInboxFiles(processes, dir) {
  return processes.git(dir, 'ls-tree', '-r', 'HEAD', '--name-only', '--', '.tinytown/inbox').stdout.split('\n').filter((l) => l.startsWith('.tinytown/inbox/')).length;
}

export function readHead(processes, dir) {
  try {
    const head = fs.readFileSync(path.join(dir, '.git', 'refs', 'heads', 'main'), 'utf8').trim();
    if (head) return head;
  } catch { /* packed or detached: ask git */ }
  return processes.git(dir, 'rev-parse', 'HEAD').stdout.trim();
}
