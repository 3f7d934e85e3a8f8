// Scenario 8: `tt approve` of a task with a branch — merge-tree, the merge
// commit, only the merged paths written into the person's checkout, and the
// approval commit — in repositories of a few and of many tracked files. Goal:
// under 1 s at the largest, and no growth with the size of the repository
// apart from the merged paths (DESIGN §6, issue 19).

import fs from 'node:fs';
import path from 'node:path';
import { summary } from '../lib/stats.mjs';

const GOAL_MS = 1000;

/** `files` small tracked files in folders of 1,000, in one fast-import commit, then checked out. */
function fillRepo(processes, dir, files) {
  const parts = ['commit refs/heads/main\ncommitter Bench <bench@example.invalid> 1700000000 +0000\ndata 5\nfiles\nfrom refs/heads/main^0\n'];
  for (let i = 0; i < files; i++) {
    const content = `file ${i}\n`;
    parts.push(`M 100644 inline src/d${Math.floor(i / 1000)}/f${i}.txt\ndata ${Buffer.byteLength(content)}\n${content}\n`);
  }
  processes.run('git', ['fast-import', '--quiet'], { cwd: dir, input: parts.join('') });
  processes.git(dir, 'reset', '-q', '--hard');
}

export async function scenarioMerge(ctx) {
  const { config, log, processes, newRepo, report } = ctx;
  const { row } = report;
  const { tt, git } = processes;
  const out = { description: 'tt approve merging a reviewed task branch (a merge commit; one changed file), in repositories of N tracked files', sizes: [] };
  for (const size of config.merge) {
    const dir = newRepo(`merge-${size.files}`);
    log(`merge: a repository of ${size.files} tracked files; a worker in a worktree, ${size.runs} approvals`);
    fillRepo(processes, dir, size.files);
    tt(dir, 'init');
    tt(dir, 'spawn', 'backend', '--worktree', '--no-start', '--cli', 'scripted');
    tt(dir, 'spawn', 'reviewer', '--no-start', '--cli', 'scripted');
    const worktree = path.join(dir, '.git', 'tinytown', 'worktrees', 'backend');
    const samples = [];
    const problems = [];
    for (let i = 0; i < size.runs; i++) {
      const { task } = JSON.parse(tt(dir, 'assign', 'backend', `Change file ${i}`, '--reviewer', 'reviewer', '--json').stdout);
      tt(dir, 'task', 'start', task.id, '--as', 'backend');
      fs.writeFileSync(path.join(worktree, 'src', 'd0', `f${i}.txt`), `changed by ${task.id}\n`);
      git(worktree, '-c', 'user.name=backend', '-c', 'user.email=backend@tinytown.invalid', 'commit', '-q', '--no-verify', '-am', `Change file ${i}`);
      tt(dir, 'review', task.id, '--as', 'backend');
      const approve = tt(dir, 'approve', task.id, '--as', 'reviewer');
      samples.push(approve.ms);
      if (fs.readFileSync(path.join(dir, 'src', 'd0', `f${i}.txt`), 'utf8') !== `changed by ${task.id}\n`) problems.push(`run ${i}: the merged file is not in the checkout`);
    }
    const dirty = git(dir, 'status', '--porcelain').stdout.trim();
    if (dirty) problems.push(`the checkout is not clean after the merges: ${dirty.split('\n').slice(0, 3).join('; ')}`);
    const merges = git(dir, 'rev-list', '--merges', '--count', 'HEAD').stdout.trim();
    if (Number(merges) !== size.runs) problems.push(`${merges} merge commits, expected ${size.runs}`);
    out.sizes.push({ files: size.files, approve_ms: summary(samples), problems });
  }
  const largest = out.sizes.at(-1);
  const smallest = out.sizes[0];
  out.goal = `under ${GOAL_MS} ms at ${largest.files} files`;
  out.growth = out.sizes.length > 1 ? largest.approve_ms.median / smallest.approve_ms.median : null;
  out.pass = largest.approve_ms.median < GOAL_MS && largest.problems.length === 0;
  report.results.scenarios.merge = out;
  for (const entry of out.sizes) {
    const isLargest = entry === largest;
    row({
      scenario: entry === smallest ? '8 approve with merge' : '', measure: `tt approve (merge commit) in ${entry.files.toLocaleString('en')} tracked files`,
      median: entry.approve_ms.median, p95: entry.approve_ms.p95, baseline: null, ratio: null,
      goal: isLargest ? `< ${GOAL_MS} ms` : '', pass: isLargest ? out.pass : null, note: entry.problems.join('; ') || undefined,
    });
  }
}
