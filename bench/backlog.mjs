// Backlog.md, the Markdown-task CLI that bench scenario 2 measures tt beside:
// installed from npm on first use (pinned, into a cache folder outside the
// repository, never a dependency of tinytown), one project per repository set
// up the way its docs say (`backlog init`, auto-commit on), and grown to the
// same size as the tt town by writing task files in the format `backlog task
// create` itself writes, committed once.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const BACKLOG_PACKAGE = 'backlog.md';
export const BACKLOG_VERSION = '1.52.0';

/** Quoted in the issue for this machine class; shown beside the measured figures, and all there is when Backlog.md cannot be installed. */
export const BACKLOG_REFERENCE = { assign_ms: 700, list_ms: 1700, tool: 'Backlog.md', note: 'reference figures quoted in the issue (create a task with auto-commit; list 2,000 tasks), not measured here' };

const STATUSES = ['To Do', 'In Progress', 'Done'];

function cacheFolder() {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'tinytown-bench', `${BACKLOG_PACKAGE}-${BACKLOG_VERSION}`);
}

/**
 * An environment without NODE_EXTRA_CA_CERTS: node 20 parses every CA
 * certificate at start-up when it is set, and tt's launcher (bin/tt) avoids
 * that cost. Backlog.md's `backlog` command is a node script that starts its
 * binary, so it runs in this environment too: it is spared the same cost.
 */
export function withoutExtraCaCerts(env) {
  const clean = { ...env };
  delete clean.NODE_EXTRA_CA_CERTS;
  return clean;
}

/**
 * The `backlog` command as [program, args] — installing it with npm the first
 * time — or { unavailable: reason } when npm cannot get it (no registry here).
 */
export function installBacklog({ node, env, log }) {
  const folder = cacheFolder();
  const cli = path.join(folder, 'node_modules', BACKLOG_PACKAGE, 'cli.js');
  const works = () => spawnSync(node, [cli, '--version'], { env: withoutExtraCaCerts(env), encoding: 'utf8' }).stdout?.trim() === BACKLOG_VERSION;
  if (fs.existsSync(cli) && works()) return { command: [node, cli], folder };
  log(`tasks: installing ${BACKLOG_PACKAGE}@${BACKLOG_VERSION} with npm into ${folder} (once; about 100 MB)`);
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'package.json'), `${JSON.stringify({ name: 'tinytown-bench-baseline', private: true }, null, 2)}\n`);
  const npm = spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `${BACKLOG_PACKAGE}@${BACKLOG_VERSION}`],
    { cwd: folder, env, encoding: 'utf8', timeout: 300_000 });
  if (npm.error || npm.status !== 0) return { unavailable: `npm install ${BACKLOG_PACKAGE}@${BACKLOG_VERSION} failed: ${(npm.error?.message ?? npm.stderr ?? '').trim().split('\n').slice(-2).join(' ')}` };
  if (!works()) return { unavailable: `${BACKLOG_PACKAGE}@${BACKLOG_VERSION} installed but \`backlog --version\` does not run on this platform` };
  return { command: [node, cli], folder };
}

function taskFile(number, { assignee, created }) {
  return [
    '---',
    `id: TASK-${number}`,
    `title: Benchmark task ${number}`,
    `status: ${STATUSES[number % STATUSES.length]}`,
    'assignee:',
    `  - '@${assignee}'`,
    `created_date: '${created}'`,
    'labels: []',
    'dependencies: []',
    `ordinal: ${number * 1000}`,
    '---',
    '',
    '## Description',
    '',
    '<!-- SECTION:DESCRIPTION:BEGIN -->',
    `Benchmark task ${number}: a task as \`backlog task create\` writes it.`,
    '<!-- SECTION:DESCRIPTION:END -->',
    '',
  ].join('\n');
}

/**
 * A Backlog.md project in `dir` (a git repository with one commit): `backlog
 * init` with its defaults, no agent files and no branch scanning (the fastest
 * set-up), auto-commit on, and `tasks` task files committed.
 */
export function makeBacklogProject({ backlog, dir, env, tasks, git }) {
  const [program, ...prefix] = backlog.command;
  const init = spawnSync(program, [...prefix, 'init', 'bench', '--defaults', '--agent-instructions', 'none', '--check-branches', 'false', '--include-remote', 'false'],
    { cwd: dir, env: withoutExtraCaCerts(env), encoding: 'utf8', timeout: 60_000 });
  if (init.status !== 0) throw new Error(`backlog init exited ${init.status}: ${(init.stderr || init.stdout).trim().slice(-400)}`);
  const config = path.join(dir, 'backlog', 'config.yml');
  const text = fs.readFileSync(config, 'utf8');
  if (!/^auto_commit: false$/m.test(text)) throw new Error(`backlog init wrote a config.yml without "auto_commit: false" (has the format changed?): ${config}`);
  fs.writeFileSync(config, text.replace(/^auto_commit: false$/m, 'auto_commit: true'));
  const created = new Date().toISOString().slice(0, 16).replace('T', ' ');
  for (let number = 1; number <= tasks; number++) {
    fs.writeFileSync(path.join(dir, 'backlog', 'tasks', `task-${number} - Benchmark-task-${number}.md`), taskFile(number, { assignee: number % 2 ? 'backend' : 'frontend', created }));
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', `bench: a Backlog.md project of ${tasks} tasks`);
  return dir;
}
