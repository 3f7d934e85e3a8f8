// Scenario "monorepo": `tt send` in a repository of 100,000 tracked files beside
// `git add F && git commit -m x -- F` in the same repository, interleaved.
// A write must not cost what the person's own commit of one file costs there:
// a tt write builds its commit from objects and touches the index once
// (DESIGN §2 "The commit path"), so its cost must not grow with the repository.

import fs from 'node:fs';
import path from 'node:path';
import { randomToken } from '../lib/repos.mjs';
import { msSince, nowNs } from '../lib/timing.mjs';
import { median, p95, summary } from '../lib/stats.mjs';

const GOAL_RATIO = 0.4;
/** Files per folder of the generated tree: 100,000 files in 1,000 folders of 100, under 10 top folders. */
const FILES_PER_FOLDER = 100;

/**
 * One commit of `files` small files, built by git fast-import as a single pack
 * (seconds, where `git add` of 100,000 files would take minutes), then an index
 * that matches it (`read-tree`) and a refresh, so `git status` starts clean.
 */
function growRepository({ processes }, dir, files) {
  const tip = processes.git(dir, 'rev-parse', 'HEAD').stdout.trim();
  const parts = [`commit refs/heads/main\ncommitter Bench <bench@example.invalid> 1767600000 +0000\ndata 16\nmonorepo: files\nfrom ${tip}\n`];
  for (let i = 0; i < files; i++) {
    const folder = Math.floor(i / FILES_PER_FOLDER);
    const text = `file ${i}\n`;
    parts.push(`M 100644 inline pkg-${folder % 10}/mod-${folder}/file-${i}.txt\ndata ${Buffer.byteLength(text)}\n${text}\n`);
  }
  processes.run('git', ['fast-import', '--quiet'], { cwd: dir, input: parts.join('') });
  processes.git(dir, 'read-tree', 'HEAD');
  // read-tree leaves no stat data: the checkout writes the files and records it.
  processes.git(dir, 'checkout-index', '-a', '-f');
  processes.git(dir, 'update-index', '-q', '--refresh');
}

export async function scenarioMonorepo(ctx) {
  const { config, log, processes, towns, report } = ctx;
  const files = config.monorepo.files;
  const runs = config.monorepo.runs;
  const t0 = nowNs();
  const dir = await towns.makeTown('monorepo');
  growRepository(ctx, dir, files);
  const tracked = processes.git(dir, 'ls-files').stdout.split('\n').filter(Boolean).length;
  log(`monorepo: ${tracked} tracked files in ${(msSince(t0) / 1000).toFixed(1)} s; ${config.warmup} warm-up + ${runs} interleaved runs of tt send / git add F && git commit -m x -- F`);
  const sendMs = []; const gitMs = [];
  for (let i = -config.warmup; i < runs; i++) {
    const a = processes.tt(dir, 'send', 'backend', `Monorepo message ${i}: the API is ready`).ms;
    fs.writeFileSync(path.join(dir, 'bench-file.txt'), `round ${i} ${randomToken(8)}\n`);
    const g0 = nowNs();
    processes.git(dir, 'add', 'bench-file.txt');
    processes.git(dir, 'commit', '-q', '-m', 'x', '--', 'bench-file.txt');
    const b = msSince(g0);
    if (i >= 0) { sendMs.push(a); gitMs.push(b); }
  }
  const dirty = processes.git(dir, 'status', '--porcelain', '--', '.tinytown').stdout.trim();
  const ratio = median(sendMs) / median(gitMs);
  report.results.scenarios.monorepo = {
    description: `tt send (bin/tt, whole process) ÷ (git add F && git commit -m x -- F) in one repository of ${tracked} tracked files, interleaved`,
    tracked_files: tracked,
    tt_send_ms: summary(sendMs),
    git_add_commit_ms: summary(gitMs),
    ratio, goal: `ratio ≤ ${GOAL_RATIO}`, pass: ratio <= GOAL_RATIO && !dirty,
    town_paths_in_git_status: dirty ? dirty.split('\n').length : 0,
  };
  report.row({ scenario: 'monorepo', measure: `tt send, ${tracked} tracked files`, median: median(sendMs), p95: p95(sendMs), baseline: median(gitMs), ratio, goal: `≤ ${GOAL_RATIO}× git add+commit`, pass: ratio <= GOAL_RATIO && !dirty,
    ...(dirty ? { note: `git status shows town paths: ${dirty.split('\n')[0]}` } : {}) });
}
