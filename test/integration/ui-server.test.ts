/**
 * `tt ui`'s server over plain HTTP (the browser end to end is test/e2e): what
 * it reads, who may write, that a write is the CLI's own commit, that bad input
 * changes nothing, and that its event stream hears every kind of change.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bareRemote, cloneOf } from '../helpers/clones.js';
import { git, headCommit, tempRepo, trailersOf, treeSnapshot } from '../helpers/repo.js';
import { tt, ttProcess, townWithTeam } from '../helpers/tt.js';
import { EventStreamReader, startBoard, type RunningBoard } from '../helpers/ui.js';
import { waitFor } from '../helpers/wait.js';

interface Envelope {
  kind: string;
  code?: string;
  message?: string;
  [key: string]: unknown;
}

async function getJson(board: RunningBoard, route: string): Promise<Envelope> {
  return (await fetch(`${board.origin}${route}`)).json() as Promise<Envelope>;
}

async function post(board: RunningBoard, action: string, form: Record<string, unknown>, headers: Record<string, string> = {}): Promise<{ status: number; body: Envelope }> {
  const response = await fetch(`${board.origin}/api/action/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tinytown-token': board.token, ...headers },
    body: JSON.stringify(form),
  });
  return { status: response.status, body: (await response.json()) as Envelope };
}

async function taskInReview(dir: string, title: string): Promise<string> {
  const assigned = await tt(dir, ['assign', 'backend', title, '--reviewer', 'reviewer', '--json']);
  const id = assigned.json<{ task: { id: string } }>().task.id;
  expect((await tt(dir, ['task', 'start', id, '--as', 'backend'])).code).toBe(0);
  expect((await tt(dir, ['review', id, '--as', 'backend'])).code).toBe(0);
  return id;
}

describe('tt ui server', () => {
  let dir: string;
  let board: RunningBoard;
  let reviewed: string;

  beforeAll(async () => {
    dir = tempRepo({ lifetime: 'suite' });
    await townWithTeam(dir);
    reviewed = await taskInReview(dir, 'Build the API');
    for (let i = 0; i < 30; i++) expect((await tt(dir, ['backlog', 'add', `Backlog item ${i}`])).code).toBe(0);
    board = await startBoard(dir);
  });
  afterAll(async () => {
    await board?.stop();
  });

  it('serves the board: agents with state and mail, columns paged', async () => {
    const doc = await getJson(board, '/api/board?per=25');
    expect(doc.kind).toBe('board');
    const agents = doc.agents as Array<{ name: string; state: string; unread: number }>;
    expect(agents.map((a) => a.name)).toEqual(['backend', 'conductor', 'frontend', 'reviewer']);
    expect(agents.find((a) => a.name === 'reviewer')!.unread).toBe(1);
    const columns = doc.columns as Array<{ key: string; total: number; tasks: Array<{ id: string }> }>;
    expect(columns.map((c) => c.key)).toEqual(['pending', 'assigned', 'running', 'review', 'completed', 'closed']);
    expect(columns.find((c) => c.key === 'review')!.tasks.map((t) => t.id)).toEqual([reviewed]);
    const pending = columns.find((c) => c.key === 'pending')!;
    expect(pending.total).toBe(30);
    expect(pending.tasks).toHaveLength(25);
    const rest = await getJson(board, '/api/column/pending?offset=25&limit=25');
    const restIds = (rest.tasks as Array<{ id: string }>).map((t) => t.id);
    expect(restIds).toHaveLength(5);
    expect(new Set([...pending.tasks.map((t) => t.id), ...restIds]).size).toBe(30);
  });

  it('serves a task page with its description, messages and timeline', async () => {
    const doc = await getJson(board, `/api/task/${reviewed.slice(0, 5)}`);
    expect((doc.task as { id: string; body: string }).id).toBe(reviewed);
    expect((doc.task as { body: string }).body).toContain('Build the API');
    // The task page shows the branch and the commit handed to review (null here: its assignee has no worktree).
    expect(doc.task).toMatchObject({ branch: null, review_commit: null });
    expect((doc.timeline as Array<{ action: string }>).map((e) => e.action)).toEqual(['review', 'start', 'assign']);
    expect((doc.messages as Array<{ type: string }>).map((m) => m.type)).toEqual(['task_assign', 'review_request']);
    const missing = await fetch(`${board.origin}/api/task/t-zzzzzz`);
    expect(missing.status).toBe(404);
  });

  it('refuses writes without the token, with a wrong one, from another origin or another host name — and changes nothing', async () => {
    const before = treeSnapshot(dir);
    const form = { to: 'backend', message: 'should never arrive' };
    const noToken = await fetch(`${board.origin}/api/action/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(form) });
    expect(noToken.status).toBe(403);
    expect(((await noToken.json()) as Envelope).message).toMatch(/token/);
    expect((await post(board, 'send', form, { 'x-tinytown-token': 'guessed' })).status).toBe(403);
    const foreign = await post(board, 'send', form, { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.body.message).toMatch(/evil\.example/);
    expect((await post(board, 'send', form, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    // A page on another name that resolves to 127.0.0.1 (DNS rebinding) is refused even for reads.
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      request(`${board.origin}/api/board`, { headers: { host: 'evil.example' } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      }).on('error', reject).end();
    });
    expect(status).toBe(403);
    // A request line that is not a path from the root (`//host/…`) is refused, not served.
    const odd = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port: new URL(board.origin).port, path: '//evil.example/api/board', headers: { host: new URL(board.origin).host } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      }).on('error', reject).end();
    });
    expect(odd).toBe(400);
    expect(treeSnapshot(dir)).toBe(before);
  });

  it('answers bad form input with the CLI\'s error and changes nothing', async () => {
    const before = treeSnapshot(dir);
    const cases: Array<[string, Record<string, unknown>, number, RegExp]> = [
      ['send', { to: 'Bad/Name', message: 'x' }, 400, /illegal agent name/],
      ['send', { to: 'nobody', message: 'x' }, 404, /nobody/],
      ['send', { to: 'backend', message: '   ' }, 400, /empty|message/],
      ['send', { to: 'backend' }, 400, /message/],
      ['send', { to: 'backend', message: 'x', from: 'reviewer' }, 400, /no field "from"/],
      ['assign', { agent: 'backend', description: 'x', priority: 'whenever' }, 400, /priority must be one of/],
      ['reject', { id: reviewed }, 400, /reason/],
      ['approve', { id: reviewed, as: 'frontend' }, 409, /reviewer|conductor/],
      ['approve', { id: 't-zz' }, 400, /task id/],
      ['launch', {}, 400, /no action "launch"/],
      ['constructor', {}, 400, /no action "constructor"/],
    ];
    for (const [action, form, status, message] of cases) {
      const answer = await post(board, action, form);
      expect({ action, form, status: answer.status, kind: answer.body.kind }).toEqual({ action, form, status, kind: 'error' });
      expect(answer.body.message).toMatch(message);
    }
    const notJson = await fetch(`${board.origin}/api/action/send`, { method: 'POST', headers: { 'content-type': 'text/plain', 'x-tinytown-token': board.token }, body: 'to=backend' });
    expect(notJson.status).toBe(400);
    expect(treeSnapshot(dir)).toBe(before);
  });

  it('a write is the CLI\'s own commit, authored by whoever acts', async () => {
    const sent = await post(board, 'send', { to: 'frontend', message: 'Please wire the login form', urgent: true });
    expect(sent.status).toBe(200);
    expect(sent.body.kind).toBe('message');
    expect(git(dir, 'log', '-1', '--format=%an %s').trim()).toBe('conductor tt(conductor): send to frontend: Please wire the login form');
    const assigned = await post(board, 'assign', { agent: 'frontend', description: 'Style the header', reviewer: 'reviewer', priority: 'high', as: 'conductor' });
    expect(assigned.status).toBe(200);
    const task = (assigned.body.task as { id: string; priority: string; reviewer: string });
    expect([task.priority, task.reviewer]).toEqual(['high', 'reviewer']);
    expect(trailersOf(dir)['Tinytown-Action']).toEqual(['assign']);
    // The counts follow at once (the urgent message just sent among them), without waiting for any cache.
    const frontend = ((await getJson(board, '/api/agents')).agents as Array<{ name: string; unread: number; urgent: number }>).find((a) => a.name === 'frontend');
    expect(frontend).toMatchObject({ unread: 2, urgent: 1 });
  });

  it('hears changes made by tt, by hand and by git, and serves them', async () => {
    const events = new EventStreamReader(board.origin);
    try {
      await events.ready;
      let seen = events.notices.length;
      expect((await ttProcess(dir, ['send', 'backend', 'ping from another process'])).code).toBe(0);
      await waitFor(() => events.since(seen, 'inbox'), { what: 'an inbox notice after tt send' });
      await waitFor(() => events.since(seen, 'history'), { what: 'a history notice after the commit' });
      const inbox = await getJson(board, '/api/inbox/backend');
      expect((inbox.messages as Array<{ body: string }>)[0]!.body).toContain('ping from another process');

      // An agent edits a task file by hand: the board shows the file as it is now.
      seen = events.notices.length;
      const file = path.join(dir, '.tinytown', 'tasks', `${reviewed}.md`);
      writeFileSync(file, readFileSync(file, 'utf8').replace('title: Build the API', 'title: Build the REST API'));
      await waitFor(() => events.since(seen, 'tasks'), { what: 'a tasks notice after a hand edit' });
      expect(((await getJson(board, `/api/task/${reviewed}`)).task as { title: string }).title).toBe('Build the REST API');
      git(dir, 'checkout', '--', file);

      // An agent's loop reports its state in the local state folder (never committed): the board shows it live.
      seen = events.notices.length;
      const runtime = { state: 'working', pid: process.pid, rounds: 2, max_rounds: 10, heartbeat: new Date().toISOString(), started: null, last_activity: null, current_task: reviewed, reason: null };
      mkdirSync(path.join(dir, '.git', 'tinytown', 'agents'), { recursive: true });
      writeFileSync(path.join(dir, '.git', 'tinytown', 'agents', 'backend.json'), JSON.stringify(runtime));
      await waitFor(() => events.since(seen, 'agents'), { what: 'an agents notice after a loop wrote its state' });
      const agents = (await getJson(board, '/api/agents')).agents as Array<{ name: string; state: string; alive: boolean }>;
      expect(agents.find((a) => a.name === 'backend')).toMatchObject({ state: 'working', alive: true });

      // A loop that dies writes nothing: the board finds its process gone and says so.
      const loop = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
      await new Promise((resolve) => loop.once('spawn', resolve));
      writeFileSync(path.join(dir, '.git', 'tinytown', 'agents', 'backend.json'), JSON.stringify({ ...runtime, pid: loop.pid }));
      await waitFor(async () => ((await getJson(board, '/api/agents')).agents as Array<{ name: string; alive: boolean }>).find((a) => a.name === 'backend')?.alive, { what: 'the loop seen alive' });
      seen = events.notices.length;
      loop.kill('SIGKILL');
      await waitFor(() => events.since(seen, 'agents'), { what: 'an agents notice after the loop died' });
      const after = (await getJson(board, '/api/agents')).agents as Array<{ name: string; state: string; alive: boolean }>;
      expect(after.find((a) => a.name === 'backend')).toMatchObject({ state: 'stopped', alive: false });
    } finally {
      events.close();
    }
  });
});

describe('tt ui and git pull', () => {
  it('a pull that brings another clone\'s task reaches the board', async () => {
    const remote = bareRemote();
    const first = tempRepo();
    await townWithTeam(first);
    git(first, 'remote', 'add', 'origin', remote);
    git(first, 'push', '-q', '-u', 'origin', 'main');
    const second = cloneOf(remote, 'Bob');
    const board = await startBoard(first);
    const events = new EventStreamReader(board.origin);
    try {
      await events.ready;
      expect((await tt(second, ['assign', 'frontend', 'Made on the other machine'])).code).toBe(0);
      git(second, 'push', '-q', 'origin', 'main');
      const seen = events.notices.length;
      const head = headCommit(first);
      git(first, 'pull', '-q', '--ff-only');
      expect(headCommit(first)).not.toBe(head);
      await waitFor(() => events.since(seen, 'tasks') && events.since(seen, 'history'), { what: `tasks and history notices after git pull (got ${JSON.stringify(events.notices.slice(seen))})` });
      const doc = await getJson(board, '/api/board');
      const assigned = (doc.columns as Array<{ key: string; tasks: Array<{ title: string }> }>).find((c) => c.key === 'assigned')!;
      expect(assigned.tasks.map((t) => t.title)).toEqual(['Made on the other machine']);
    } finally {
      events.close();
      await board.stop();
    }
  });
});
