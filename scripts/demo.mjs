// npm run demo: a real town in a temporary git repository, with live agents.
// The conductor (this script) assigns two tasks; two scripted workers, each in
// a git worktree of its own (tt spawn --worktree), and a scripted reviewer run
// as background agent loops and coordinate only through `tt` — start (a branch
// per task), commit, hand off for review, request changes, fix, approve (which
// merges the reviewed commit) — while this script follows the town's history
// as it happens. Then a file reservation refuses a commit, and is released.
// The scripted agent is a deterministic stand-in for an LLM CLI: swap
// `--cli scripted` for `--cli claude` (or codex, aider…) and nothing else changes.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// bin/tt: the tt command as installed.
const TT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'tt');
const withBoard = process.argv.includes('--ui');
const keep = withBoard || process.argv.includes('--keep');
const DEADLINE_MS = 110_000;
const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'tinytown-demo-')));
const env = { ...process.env };
delete env.TINYTOWN_AGENT;
delete env.TINYTOWN_DIR;
const gitEnv = { ...env, GIT_AUTHOR_NAME: 'Demo User', GIT_AUTHOR_EMAIL: 'demo@example.com', GIT_COMMITTER_NAME: 'Demo User', GIT_COMMITTER_EMAIL: 'demo@example.com' };

const bold = (text) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${text}\x1b[0m` : text);
const say = (text) => process.stdout.write(`\n${bold(`== ${text}`)}\n`);
const git = (...args) => execFileSync('git', args, { cwd: dir, env: gitEnv, encoding: 'utf8' });
const ttQuiet = (args) => execFileSync(TT, args, { cwd: dir, env, encoding: 'utf8' });
function tt(args) {
  process.stdout.write(`$ tt ${args.map((a) => (/[\s[\]]/.test(a) ? JSON.stringify(a) : a)).join(' ')}\n`);
  const out = ttQuiet(args);
  if (out.trim()) process.stdout.write(`${out.trimEnd()}\n`);
  return out;
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `--ui`: the live board of the demo town (tt ui), to watch the agents work in a browser. */
function startBoard() {
  const child = spawn(TT, ['ui', '--port', '0', '--json'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`tt ui exited (${code})`)));
    child.stdout.once('data', (line) => resolve({ child, url: JSON.parse(String(line)).url }));
  });
}

let started = false;
let board;
const started_at = Date.now();
try {
  say(`A fresh repository at ${dir}`);
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Demo User');
  git('config', 'user.email', 'demo@example.com');
  writeFileSync(path.join(dir, 'README.md'), '# shop\n');
  git('add', 'README.md');
  git('commit', '-q', '-m', 'Initial commit');

  say('1. The conductor sets up the town and spawns the team: two workers, each in a worktree of its own, and, always, a reviewer');
  tt(['init', '--name', 'shop']);
  ttQuiet(['config', 'agent.idle_timeout_s', '60']);
  tt(['spawn', 'backend', '--cli', 'scripted', '--worktree']);
  tt(['spawn', 'frontend', '--cli', 'scripted', '--worktree']);
  tt(['spawn', 'reviewer', '--cli', 'scripted']);
  started = true;
  if (withBoard) {
    board = await startBoard();
    say(`The board (tt ui), live: open ${board.url}`);
    await sleep(5000);
  }

  say('2. The conductor assigns work with the reviewer as quality gate ("[needs-fix]" makes the reviewer ask for one fix)');
  tt(['assign', 'backend', 'Build the API [needs-fix]', '--reviewer', 'reviewer']);
  tt(['assign', 'frontend', 'Build the UI', '--reviewer', 'reviewer']);

  say('3. The agents work: each line below is a commit they made, as it lands');
  let seen = 0;
  for (;;) {
    const events = JSON.parse(ttQuiet(['history', '-n', '500', '--json'])).events.reverse();
    for (const event of events.slice(seen)) {
      if (!['init', 'spawn', 'config', 'assign'].includes(event.action) || seen > 0) {
        process.stdout.write(`  ${event.commit.slice(0, 7)}  ${event.agent.padEnd(9)} ${event.action.padEnd(8)} ${event.summary}\n`);
      }
    }
    seen = events.length;
    const tasks = JSON.parse(ttQuiet(['task', 'list', '--json'])).tasks;
    if (tasks.length > 0 && tasks.every((task) => task.state === 'completed')) break;
    if (Date.now() - started_at > DEADLINE_MS) throw new Error('the agents did not finish in time; see tt status --deep');
    await sleep(300);
  }
  const codeCommits = git('log', '--no-merges', '--format=%h %an: %s', '--', '.', ':(exclude).tinytown').trim().split('\n');
  process.stdout.write(`\nThe workers' code commits (made on tt/<task> branches in their worktrees, merged by the approvals):\n${codeCommits.map((line) => `  ${line}`).join('\n')}\n`);
  process.stdout.write(`\nThe merges:\n${git('log', '--merges', '--format=  %h %an: %s').trimEnd()}\n`);

  say('4. Both tasks approved. The conductor looks at the town');
  tt(['status', '--deep']);

  say('5. tt summary: the coordination, ready for a pull-request description');
  tt(['summary']);

  say("6. The town's history is git's history (the approval commit and its trailers)");
  process.stdout.write(git('log', '-1', '--grep', '^Tinytown-Action: approve', '--format=%h %an%n%B'));

  say('7. A reservation: frontend holds docs/** exclusively, and the hook in backend\'s worktree refuses a commit there');
  tt(['reserve', 'docs/**', '--exclusive', '--as', 'frontend']);
  const worktree = path.join(dir, '.git', 'tinytown', 'worktrees', 'backend');
  // What backend's CLI gets from its loop: its name, and tt's hooks folder as core.hooksPath (only in its environment).
  const agentGit = { ...gitEnv, TINYTOWN_AGENT: 'backend', GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'core.hooksPath', GIT_CONFIG_VALUE_0: path.join(dir, '.git', 'tinytown', 'hooks') };
  const commitPlan = () => {
    process.stdout.write('$ git commit -m "Plan" -- docs/plan.md   (in backend\'s worktree)\n');
    try {
      execFileSync('git', ['commit', '-q', '-m', 'Plan', '--', 'docs/plan.md'], { cwd: worktree, env: agentGit, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      process.stdout.write('  committed\n');
    } catch (error) {
      process.stdout.write(`  refused:\n${String(error.stderr).trimEnd().split('\n').map((line) => `    ${line}`).join('\n')}\n`);
    }
  };
  execFileSync('git', ['switch', '-q', '-c', 'plan'], { cwd: worktree, env: agentGit });
  execFileSync('mkdir', ['-p', path.join(worktree, 'docs')]);
  writeFileSync(path.join(worktree, 'docs', 'plan.md'), '# Plan\n');
  execFileSync('git', ['add', 'docs/plan.md'], { cwd: worktree, env: agentGit });
  commitPlan();
  tt(['release', '--as', 'frontend']);
  commitPlan();

  say('8. Stopping the agents');
  tt(['stop']);
  started = false;
  say(`Done in ${((Date.now() - started_at) / 1000).toFixed(1)} s. ${keep ? `The town is kept at ${dir}` : 'Run with -- --keep to keep the repository, -- --ui to watch it on the live board.'}`);
  if (board) {
    say(`The board stays up at ${board.url} — Ctrl-C to stop it`);
    await new Promise((resolve) => process.once('SIGINT', resolve));
  }
} catch (error) {
  process.stderr.write(`demo failed: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  if (started) {
    try {
      ttQuiet(['stop']);
    } catch {
      // best effort: the agents stop on their own after idle_timeout_s
    }
  }
  board?.child.kill();
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
