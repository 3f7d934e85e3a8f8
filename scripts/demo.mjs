// npm run demo: a real town in a temporary git repository, played through the
// real `tt` binary, following the Tinytown book's flow (conductor → workers →
// reviewer → approve / request changes). Every step is a real command and a
// real commit; the town's git log is printed at the end.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'tt.js');
const keep = process.argv.includes('--keep');
const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'tinytown-demo-')));
const env = { ...process.env, TINYTOWN_AGENT: undefined };
// A demo repository of its own, with a local identity, so it runs on a machine with none.
const gitEnv = { ...env, GIT_AUTHOR_NAME: 'Demo User', GIT_AUTHOR_EMAIL: 'demo@example.com', GIT_COMMITTER_NAME: 'Demo User', GIT_COMMITTER_EMAIL: 'demo@example.com' };

function say(text) {
  process.stdout.write(`\n\x1b[1m== ${text}\x1b[0m\n`);
}

function git(...args) {
  return execFileSync('git', args, { cwd: dir, env: gitEnv, encoding: 'utf8' });
}

function tt(args, as) {
  const shown = `${as ? `TINYTOWN_AGENT=${as} ` : ''}tt ${args.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`;
  process.stdout.write(`$ ${shown}\n`);
  const out = execFileSync(process.execPath, [TT, ...args], { cwd: dir, env: { ...env, ...(as ? { TINYTOWN_AGENT: as } : {}) }, encoding: 'utf8' });
  if (out.trim()) process.stdout.write(`${out.trimEnd()}\n`);
  return out;
}

function taskId(out) {
  return JSON.parse(out).task.id;
}

try {
  say(`A fresh repository at ${dir}`);
  git('init', '-q', '-b', 'main');
  writeFileSync(path.join(dir, 'README.md'), '# shop\n');
  git('add', 'README.md');
  git('commit', '-q', '-m', 'Initial commit');

  say('1. The conductor sets up the town and spawns the team (always a reviewer)');
  tt(['init', '--name', 'shop']);
  tt(['spawn', 'backend']);
  tt(['spawn', 'frontend']);
  tt(['spawn', 'reviewer']);

  say('2. The conductor assigns work, with the reviewer as quality gate');
  const api = taskId(tt(['assign', 'backend', 'Build the API', '--reviewer', 'reviewer', '--json']));
  const ui = taskId(tt(['assign', 'frontend', 'Build the UI', '--reviewer', 'reviewer', '--json']));

  say('3. Workers read their inboxes, start, commit code and hand off directly to the reviewer');
  tt(['inbox', '--mark-read'], 'backend');
  tt(['task', 'start', api], 'backend');
  writeFileSync(path.join(dir, 'api.js'), 'export function createUser(password) { return { hash: md5(password) }; }\n');
  git('add', 'api.js');
  git('commit', '-q', '-m', 'Add the user API');
  tt(['review', api, '--message', 'API implementation is ready for review in api.js'], 'backend');
  tt(['task', 'start', ui], 'frontend');
  writeFileSync(path.join(dir, 'ui.js'), 'export const signupForm = "<form>…</form>";\n');
  git('add', 'ui.js');
  git('commit', '-q', '-m', 'Add the signup form');
  tt(['review', ui, '--message', 'Signup form ready in ui.js'], 'frontend');
  tt(['send', 'supervisor', '--info', 'Implementation complete; reviewer should take a look'], 'backend');

  say('4. The reviewer decides: changes requested on the API (routed to backend, conductor copied), the UI approved');
  tt(['inbox'], 'reviewer');
  tt(['reject', api, '--reason', 'Password hashing uses a weak algorithm (md5); use argon2', '--cc', 'conductor'], 'reviewer');
  tt(['approve', ui, '--message', 'LGTM, the form is solid'], 'reviewer');

  say('5. The backend fixes exactly what was asked and hands off again; the reviewer approves');
  tt(['inbox', '--mark-read'], 'backend');
  appendFileSync(path.join(dir, 'api.js'), '// hashing now uses argon2\n');
  git('commit', '-q', '-am', 'Hash passwords with argon2');
  tt(['review', api, '--message', 'Switched to argon2'], 'backend');
  tt(['approve', api, '--message', 'LGTM, API is solid'], 'reviewer');

  say('6. The conductor stays informed without being the bottleneck');
  tt(['inbox', '--all']);
  tt(['status', '--deep']);
  tt(['summary']);

  say("7. The town's history is git's history");
  process.stdout.write(git('log', '--format=%h %<(10,trunc)%an %s', '--', '.tinytown'));
  process.stdout.write(`\nThe approval commit, with its trailers:\n`);
  process.stdout.write(git('log', '-1', '--grep', '^Tinytown-Action: approve', '--format=%B'));
  say(`Done. ${keep ? `The town is kept at ${dir}` : 'Run with -- --keep to keep the repository.'}`);
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
