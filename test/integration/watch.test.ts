/**
 * tt watch, inbox --wait and events --follow with real files, real chokidar,
 * real git and real processes. Every watcher and every spawned process is
 * closed in afterEach; nothing waits a fixed time: conditions are awaited
 * with deadlines generous enough for a shared 2-core machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGE_ID_PATTERN } from '../../src/core/ids.js';
import { parseMessage, parseTask } from '../../src/store/records.js';
import { openTown } from '../../src/store/town.js';
import { startTownWatcher, type TownWatcher, type WatchEvent, type WatchTiming } from '../../src/watch/town-watcher.js';
import { commitCount, git, tempRepo, trailersOf } from '../helpers/repo.js';
import { TT_BIN, townWithTeam, tt, ttProcess } from '../helpers/tt.js';
import { waitFor } from '../helpers/wait.js';

const DEADLINE_MS = 30_000;
const POLL_MS = 50;

const watchers: TownWatcher[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const watcher of watchers.splice(0)) await watcher.close();
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }
});

beforeAll(() => {
  if (!existsSync(path.join(path.dirname(TT_BIN), '..', 'dist', 'tt.cjs'))) throw new Error('build the CLI first: npm run build');
});

async function watchTown(dir: string, timing?: Partial<WatchTiming>) {
  const town = openTown({ cwd: dir, env: {} });
  const events: WatchEvent[] = [];
  const watcher = await startTownWatcher(town, { actor: 'conductor', onEvent: (event) => events.push(event), ...(timing ? { timing } : {}) });
  watchers.push(watcher);
  return { town, events, watcher };
}

const inboxDir = (dir: string, agent: string) => path.join(dir, '.tinytown', 'inbox', agent);

function messageFiles(dir: string, agent: string): string[] {
  try {
    return readdirSync(inboxDir(dir, agent)).filter((name) => name.endsWith('.md'));
  } catch {
    return [];
  }
}

function status(dir: string, pathspec = '.tinytown'): string {
  return git(dir, 'status', '--porcelain', '--untracked-files=all', '--', pathspec).trim();
}

/** Paths of one commit (relative to the repo), deletions included. */
function pathsOf(dir: string, rev: string): string[] {
  return git(dir, 'show', '--name-only', '--no-renames', '--format=', rev).split('\n').filter(Boolean);
}

function until<T>(condition: () => T, what: string, timeoutMs = DEADLINE_MS) {
  return waitFor(condition, { timeoutMs, intervalMs: POLL_MS, what });
}

/** Unread `info` messages from the conductor to itself that mention `file`. */
function reportsAbout(dir: string, file: string): string[] {
  return messageFiles(dir, 'conductor')
    .map((name) => readFileSync(path.join(inboxDir(dir, 'conductor'), name), 'utf8'))
    .filter((text) => text.includes('type: info') && text.includes(file));
}

function spawnTt(cwd: string, args: string[]): { child: ChildProcess; stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [TT_BIN, ...args], { cwd, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk) => { out += chunk; });
  child.stderr!.on('data', (chunk) => { err += chunk; });
  // 'close', not 'exit': at 'exit' the child's stdout may still hold its last lines ("stopped (SIGTERM)").
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

describe('tt watch takes in direct edits', () => {
  it('accepts a hand-written message: completed, renamed, committed as accept by its sender', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    mkdirSync(inboxDir(dir, 'backend'), { recursive: true });
    const { events } = await watchTown(dir);
    const before = commitCount(dir);
    const dropped = Date.now();
    writeFileSync(path.join(inboxDir(dir, 'backend'), 'fix-the-build.md'), '---\nfrom: reviewer\nurgent: true\n---\nPlease fix the build.\n');

    const [name] = await until(() => {
      const names = messageFiles(dir, 'backend');
      return names.length === 1 && MESSAGE_ID_PATTERN.test(names[0]!.slice(0, -3)) && status(dir) === '' ? names : undefined;
    }, 'the message to be renamed and committed');
    const latencyMs = Date.now() - dropped;
    // The watcher reports after its batch is done, a moment after the commit.
    await until(() => events.some((event) => event.action === 'accept'), 'the accept event');
    expect(commitCount(dir)).toBe(before + 1);
    const rel = `.tinytown/inbox/backend/${name}`;
    expect(pathsOf(dir, 'HEAD')).toEqual([rel]);
    expect(trailersOf(dir)).toMatchObject({ 'Tinytown-Action': ['accept'], 'Tinytown-Agent': ['reviewer'], 'Tinytown-Message': [name!.slice(0, -3)] });
    expect(git(dir, 'log', '-1', '--format=%an <%ae>').trim()).toBe('reviewer <reviewer@tinytown.invalid>');
    const message = parseMessage(readFileSync(path.join(dir, rel), 'utf8'), rel);
    expect(message).toMatchObject({ id: name!.slice(0, -3), from: 'reviewer', to: 'backend', type: 'task', urgent: true, body: 'Please fix the build.\n' });
    expect(events).toContainEqual(expect.objectContaining({ action: 'accept', what: 'message', path: rel, original: '.tinytown/inbox/backend/fix-the-build.md', commit: 'committed' }));
    // tt reads it like any other message.
    const inbox = (await tt(dir, ['inbox', 'backend', '--json'])).json<{ messages: Array<{ id: string }> }>();
    expect(inbox.messages.map((m) => m.id)).toEqual([message.id]);
    console.info(`[watch] hand-written file → commit: ${latencyMs} ms`);
  });

  it('leaves a malformed file byte-for-byte untouched, reports it once, accepts its neighbour, and takes it in once fixed', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    mkdirSync(inboxDir(dir, 'backend'), { recursive: true });
    const { events } = await watchTown(dir);
    const badFile = path.join(inboxDir(dir, 'backend'), 'broken.md');
    const badBytes = '---\nfrom: reviewer\ntype: [query\n---\nWhat is the plan?\n';
    writeFileSync(badFile, badBytes);
    writeFileSync(path.join(inboxDir(dir, 'backend'), 'good.md'), '---\nfrom: frontend\n---\nThe UI is ready.\n');

    await until(() => !existsSync(path.join(inboxDir(dir, 'backend'), 'good.md')) && reportsAbout(dir, 'broken.md').length === 1
      && status(dir) === '?? .tinytown/inbox/backend/broken.md', 'the good file accepted and the broken one reported');
    expect(readFileSync(badFile, 'utf8')).toBe(badBytes);
    const accepted = git(dir, 'log', '--format=%an|%(trailers:key=Tinytown-Action,valueonly)', '-n', '2').split('\n').filter(Boolean).join(' ');
    expect(accepted).toContain('frontend|accept');
    const [report] = reportsAbout(dir, 'broken.md');
    expect(report).toMatch(/from: conductor\nto: conductor\ntype: info/);
    expect(report).toMatch(/\.tinytown\/inbox\/backend\/broken\.md:\d+: YAML error/);
    const refusal = await until(() => events.find((event) => event.action === 'refuse'), 'the refusal event');
    expect(refusal).toMatchObject({ path: '.tinytown/inbox/backend/broken.md', line: expect.any(Number) });

    // The same bytes again (an editor re-saving it) are looked at again but not reported again.
    writeFileSync(badFile, badBytes);
    await until(() => events.filter((event) => event.action === 'refuse').length >= 2, 'the re-saved file to be looked at again');
    expect(reportsAbout(dir, 'broken.md')).toHaveLength(1);
    expect(readFileSync(badFile, 'utf8')).toBe(badBytes);

    // Fixed: taken in.
    writeFileSync(badFile, badBytes.replace('[query', 'query'));
    await until(() => !existsSync(badFile) && status(dir) === '', 'the fixed file to be accepted');
    const fixed = messageFiles(dir, 'backend').map((name) => readFileSync(path.join(inboxDir(dir, 'backend'), name), 'utf8')).find((text) => text.includes('What is the plan?'));
    expect(fixed).toContain('type: query');
    expect(trailersOf(dir)['Tinytown-Action']).toEqual(['accept']);
    expect(reportsAbout(dir, 'broken.md')).toHaveLength(1);
  });

  it('takes in a burst of 200 files in a few commits and loses none', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    mkdirSync(inboxDir(dir, 'backend'), { recursive: true });
    await watchTown(dir);
    const before = commitCount(dir);
    const started = Date.now();
    for (let i = 0; i < 200; i++) {
      writeFileSync(path.join(inboxDir(dir, 'backend'), `burst-${i}.md`), `---\nfrom: ${i % 2 ? 'frontend' : 'reviewer'}\n---\nBurst message number ${i}.\n`);
    }
    await until(() => messageFiles(dir, 'backend').every((name) => MESSAGE_ID_PATTERN.test(name.slice(0, -3))) && status(dir) === '', 'all 200 files to be committed', 120_000);
    const elapsedMs = Date.now() - started;
    const committed = git(dir, 'ls-tree', '--name-only', 'HEAD', '.tinytown/inbox/backend/').split('\n').filter(Boolean);
    expect(committed).toHaveLength(200);
    const bodies = committed.map((rel) => readFileSync(path.join(dir, rel), 'utf8'));
    for (let i = 0; i < 200; i++) expect(bodies.filter((text) => text.includes(`Burst message number ${i}.\n`)), `message ${i}`).toHaveLength(1);
    const commits = commitCount(dir) - before;
    // Two senders, so at least two commits (one per author per batch); a burst is a few batches, not 200.
    expect(commits).toBeGreaterThanOrEqual(2);
    expect(commits).toBeLessThanOrEqual(20);
    console.info(`[watch] burst of 200 files: ${commits} commits, all committed after ${elapsedMs} ms`);
  });

  it('handles editors\' saves: temp file + rename, and several writes in a row', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    mkdirSync(inboxDir(dir, 'backend'), { recursive: true });
    const { events } = await watchTown(dir);
    const id = (await tt(dir, ['assign', 'backend', 'Build the API', '--json'])).json<{ task: { id: string } }>().task.id;
    const taskFile = path.join(dir, '.tinytown', 'tasks', `${id}.md`);

    // An editor's save of a task: write a temp file next to it, then rename it over the original.
    const edited = readFileSync(taskFile, 'utf8').replace('priority: normal', 'priority: high');
    writeFileSync(path.join(dir, '.tinytown', 'tasks', `.${id}.md.swp`), edited);
    renameSync(path.join(dir, '.tinytown', 'tasks', `.${id}.md.swp`), taskFile);
    await until(() => status(dir) === '' && git(dir, 'show', `HEAD:.tinytown/tasks/${id}.md`).includes('priority: high'), 'the task edit to be committed');
    expect(trailersOf(dir)).toMatchObject({ 'Tinytown-Action': ['accept'], 'Tinytown-Task': [id] });
    expect(git(dir, 'log', '-1', '--format=%an').trim()).toBe('backend');
    expect(readFileSync(taskFile, 'utf8')).toBe(edited); // committed exactly as written

    // A new message saved the same way, under a temp name first.
    const temp = path.join(inboxDir(dir, 'backend'), 'note.md.tmp');
    writeFileSync(temp, '---\nfrom: conductor\n---\nSaved through a temp file.\n');
    renameSync(temp, path.join(inboxDir(dir, 'backend'), 'note.md'));
    // And one typed in several writes: read once, finished.
    const typed = path.join(inboxDir(dir, 'backend'), 'typed.md');
    writeFileSync(typed, '---\n');
    for (const part of ['from: reviewer\n', '---\n', 'First line.\n', 'Second line.\n']) {
      await new Promise((resolve) => setTimeout(resolve, 5)); // typing, not synchronisation
      appendFileSync(typed, part);
    }
    await until(() => messageFiles(dir, 'backend').length === 3 && status(dir) === '', 'both messages to be accepted');
    const texts = messageFiles(dir, 'backend').map((name) => readFileSync(path.join(inboxDir(dir, 'backend'), name), 'utf8'));
    expect(texts.some((text) => text.includes('Saved through a temp file.'))).toBe(true);
    expect(texts.filter((text) => text.includes('First line.\nSecond line.\n'))).toHaveLength(1);
    expect(events.filter((event) => event.action === 'refuse')).toEqual([]);
  });

  it('commits a hand deletion of a committed town file', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const sent = (await tt(dir, ['send', 'backend', 'Delete me', '--json'])).json<{ message: { path: string } }>().message;
    const id = (await tt(dir, ['backlog', 'add', 'Obsolete', '--json'])).json<{ task: { id: string } }>().task.id;
    await watchTown(dir);
    unlinkSync(path.join(dir, sent.path));
    unlinkSync(path.join(dir, '.tinytown', 'tasks', `${id}.md`));
    await until(() => status(dir) === '', 'the deletions to be committed');
    expect(git(dir, 'ls-tree', '--name-only', '-r', 'HEAD', '.tinytown').split('\n')).not.toContain(sent.path);
    const deleted = git(dir, 'log', '-n', '2', '--diff-filter=D', '--name-only', '--format=%(trailers:key=Tinytown-Action,valueonly)').split('\n').filter(Boolean);
    expect(deleted).toContain(sent.path);
    expect(deleted).toContain(`.tinytown/tasks/${id}.md`);
    expect(deleted).toContain('accept');
  });

  it('refuses an illegal task state edit and leaves it uncommitted', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const id = (await tt(dir, ['assign', 'backend', 'Build the API', '--reviewer', 'reviewer', '--json'])).json<{ task: { id: string } }>().task.id;
    const { events } = await watchTown(dir);
    const rel = `.tinytown/tasks/${id}.md`;
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    const edited = readFileSync(path.join(dir, rel), 'utf8').replace('state: assigned', 'state: completed');
    writeFileSync(path.join(dir, rel), edited);
    const refusal = await until(() => events.find((event) => event.action === 'refuse' && event.path === rel), 'the edit to be refused');
    expect(refusal).toMatchObject({ line: 4 });
    expect(refusal.action === 'refuse' && refusal.problem).toContain('state assigned → completed is not a legal move (it has a reviewer, reviewer');
    await until(() => reportsAbout(dir, `${id}.md`).length === 1, 'the conductor to be told');
    expect(readFileSync(path.join(dir, rel), 'utf8')).toBe(edited);
    expect(status(dir, rel)).toBe(`M ${rel}`);
    expect(git(dir, 'show', `HEAD:${rel}`)).toContain('state: assigned');
    expect(parseTask(git(dir, 'show', `HEAD:${rel}`), rel).state).toBe('assigned');
    expect(git(dir, 'log', `${head}..HEAD`, '--format=%(trailers:key=Tinytown-Action,valueonly)').trim()).toBe('send');
  });

  it('takes in pending edits with --once and exits', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const sent = (await tt(dir, ['send', 'reviewer', 'Read this, then delete it', '--json'])).json<{ message: { path: string } }>().message;
    unlinkSync(path.join(dir, sent.path));
    mkdirSync(inboxDir(dir, 'frontend'), { recursive: true });
    writeFileSync(path.join(inboxDir(dir, 'frontend'), 'hello.md'), '---\nfrom: backend\ntype: query\n---\nWhich endpoint?\n');
    const run = await tt(dir, ['watch', '--once', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines).toContainEqual(expect.objectContaining({ schemaVersion: 1, kind: 'event', action: 'accept', what: 'message', from: 'backend', to: 'frontend' }));
    expect(lines).toContainEqual(expect.objectContaining({ schemaVersion: 1, kind: 'event', action: 'accept', what: 'deletion', path: sent.path }));
    expect(status(dir)).toBe('');
    expect(existsSync(path.join(dir, '.git', 'tinytown', 'watch.pid'))).toBe(false);
  });

  it('exits 1 from --once when a file could not be taken in, leaving it as it was', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    mkdirSync(inboxDir(dir, 'backend'), { recursive: true });
    const bad = path.join(inboxDir(dir, 'backend'), 'bad.md');
    writeFileSync(bad, '---\nfrom: [not, a, name]\n---\nHello\n');
    const run = await tt(dir, ['watch', '--once']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot take in .tinytown/inbox/backend/bad.md');
    expect(readFileSync(bad, 'utf8')).toBe('---\nfrom: [not, a, name]\n---\nHello\n');
  });
});

describe('tt watch as a process', () => {
  it('refuses a second watcher naming the running one\'s pid, and cleans up on SIGTERM', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const first = spawnTt(dir, ['watch']);
    await until(() => first.stdout().includes('watching '), 'the first watcher to start');
    const second = await ttProcess(dir, ['watch']);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`pid ${first.child.pid}`);
    const once = await ttProcess(dir, ['watch', '--once']);
    expect(once.code).toBe(1);

    // The running watcher does its job.
    mkdirSync(inboxDir(dir, 'backend'), { recursive: true });
    const dropped = Date.now();
    writeFileSync(path.join(inboxDir(dir, 'backend'), 'from-a-person.md'), '---\nfrom: supervisor\n---\nStatus?\n');
    await until(() => messageFiles(dir, 'backend').length === 1 && !existsSync(path.join(inboxDir(dir, 'backend'), 'from-a-person.md')) && status(dir) === '', 'the process to take the file in');
    console.info(`[watch] tt watch process: dropped file → commit ${Date.now() - dropped} ms`);
    await until(() => first.stdout().includes('accepted '), 'the watcher to say what it did');
    expect(first.stdout()).toMatch(/accepted \.tinytown\/inbox\/backend\/from-a-person\.md as \.tinytown\/inbox\/backend\/\d{8}T\d{9}Z-\w{6}\.md \(message from conductor to backend\)/);

    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    expect(first.stdout()).toContain('stopped (SIGTERM)');
    expect(existsSync(path.join(dir, '.git', 'tinytown', 'watch.pid'))).toBe(false);
  });

  it('takes over the pid file of a watcher that died', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => dead.once('exit', resolve));
    writeFileSync(path.join(dir, '.git', 'tinytown', 'watch.pid'), JSON.stringify({ pid: dead.pid, host: (await import('node:os')).hostname(), since: new Date().toISOString(), command: 'tt watch' }));
    const run = await tt(dir, ['watch', '--once']);
    expect(run.code, run.stderr).toBe(0);
  });
});

describe('tt inbox --wait', () => {
  it('returns when tt send delivers', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const waiter = spawnTt(dir, ['inbox', 'backend', '--wait', '--timeout', '60', '--json']);
    // The waiter creates the inbox folder just before it arms its watch (and re-reads after arming).
    await until(() => existsSync(inboxDir(dir, 'backend')), 'the waiter to start waiting');
    expect(waiter.child.exitCode).toBeNull();
    const sent = await ttProcess(dir, ['send', 'backend', 'Wake up']);
    const sentAt = Date.now();
    expect(sent.code).toBe(0);
    expect(await waiter.exit).toBe(0);
    console.info(`[watch] inbox --wait returned ≤ ${Date.now() - sentAt} ms after tt send returned`);
    const output = JSON.parse(waiter.stdout()) as { kind: string; messages: Array<{ body: string; from: string }> };
    expect(output.kind).toBe('inbox');
    expect(output.messages).toEqual([expect.objectContaining({ from: 'conductor', body: 'Wake up\n' })]);
  });

  it('prints unread messages at once, and exits 3 on timeout', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const timedOut = await tt(dir, ['inbox', 'backend', '--wait', '--timeout', '0.3']);
    expect(timedOut.code).toBe(3);
    expect(timedOut.stderr).toContain('no unread message for backend within 0.3 s');
    const json = await tt(dir, ['inbox', 'backend', '--wait', '--timeout', '0.2', '--json']);
    expect(json.code).toBe(3);
    expect(json.json()).toMatchObject({ kind: 'error', code: 'timeout' });
    await tt(dir, ['send', 'backend', 'Already here']);
    const immediate = await tt(dir, ['inbox', 'backend', '--wait', '--timeout', '0']);
    expect(immediate.code).toBe(0);
    expect(immediate.stdout).toContain('Already here');
    expect((await tt(dir, ['inbox', '--all', '--wait'])).code).toBe(2);
    expect((await tt(dir, ['inbox', 'backend', '--timeout', '5'])).code).toBe(2);
  });
});

describe('tt events', () => {
  it('prints town events oldest first, as NDJSON with --json, and follows new commits', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    await tt(dir, ['send', 'backend', 'First']);
    const listed = await tt(dir, ['events', '--json']);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n').map((line) => JSON.parse(line) as { schemaVersion: number; kind: string; action: string });
    expect(lines.map((line) => line.action)).toEqual(['init', 'spawn', 'spawn', 'spawn', 'send']);
    expect(lines.every((line) => line.schemaVersion === 1 && line.kind === 'event')).toBe(true);
    expect((await tt(dir, ['events', '-n', '2'])).stdout.trim().split('\n')).toHaveLength(2);

    const follower = spawnTt(dir, ['events', '--follow', '-n', '1']);
    await until(() => follower.stdout().includes('send'), 'the follower to print the past event');
    await ttProcess(dir, ['send', 'frontend', 'Second']);
    await until(() => follower.stdout().includes('to frontend: Second'), 'the follower to print the new event');
    expect(follower.stdout().trim().split('\n')).toHaveLength(2);
    follower.child.kill('SIGINT');
    expect(await follower.exit).toBe(0);
  });
});
