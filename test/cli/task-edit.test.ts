/** tt task edit, tt task reassign and the task list filters (issue 20, item 2). */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { commitCount, commitPaths, tempRepo, trailersOf, treeSnapshot } from '../helpers/repo.js';
import { townWithTeam, tt } from '../helpers/tt.js';

interface TaskDoc {
  id: string; title: string; state: string; assignee: string | null; reviewer: string | null;
  priority: string; tags: string[]; body: string; started: string | null; path: string;
}

describe('tt task edit', () => {
  let dir: string;
  let id: string;
  beforeEach(async () => {
    dir = tempRepo();
    await townWithTeam(dir);
    id = (await tt(dir, ['assign', 'backend', 'Build the API', '--tags', 'api', '--json'])).json<{ task: TaskDoc }>().task.id;
  });

  it('changes title, description, priority, tags and reviewer in one edit commit', async () => {
    const run = await tt(dir, ['task', 'edit', id, '--title', 'Build the REST API', '--description', 'Endpoints for users and orders', '--priority', 'high', '--tags', 'api,rest', '--reviewer', 'reviewer', '--json']);
    expect(run.code).toBe(0);
    const doc = run.json<{ kind: string; task: TaskDoc; changed: string[] }>();
    expect(doc.kind).toBe('task');
    expect(doc.changed).toEqual(['title', 'reviewer', 'priority', 'tags', 'description']);
    expect(doc.task).toMatchObject({ id, title: 'Build the REST API', priority: 'high', tags: ['api', 'rest'], reviewer: 'reviewer', state: 'assigned', body: 'Endpoints for users and orders\n' });
    expect(trailersOf(dir)).toMatchObject({ 'Tinytown-Action': ['edit'], 'Tinytown-Agent': ['conductor'], 'Tinytown-Task': [id] });
    expect(commitPaths(dir)).toEqual([`.tinytown/tasks/${id}.md`]);
    const shown = (await tt(dir, ['task', 'show', id, '--json'])).json<{ task: TaskDoc }>().task;
    expect(shown).toMatchObject({ title: 'Build the REST API', reviewer: 'reviewer', body: 'Endpoints for users and orders\n' });
  });

  it('reads the description from --body-file, and "" clears tags and reviewer', async () => {
    writeFileSync(path.join(dir, 'notes.md'), '# Plan\n\nStep one.\n');
    expect((await tt(dir, ['task', 'edit', id, '--body-file', 'notes.md', '--reviewer', 'reviewer'])).code).toBe(0);
    const run = await tt(dir, ['task', 'edit', id, '--tags', '', '--reviewer', '', '--json']);
    expect(run.code).toBe(0);
    expect(run.json<{ task: TaskDoc }>().task).toMatchObject({ tags: [], reviewer: null, body: '# Plan\n\nStep one.\n' });
    const missing = await tt(dir, ['task', 'edit', id, '--body-file', 'nope.md']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read --body-file nope.md');
    expect((await tt(dir, ['task', 'edit', id, '--body-file', 'notes.md', '--description', 'x'])).code).toBe(2);
  });

  it('commits nothing when nothing would change, and says so', async () => {
    const before = treeSnapshot(dir);
    const run = await tt(dir, ['task', 'edit', id, '--title', 'Build the API', '--tags', 'api']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Unchanged ${id}`);
    expect(run.stderr).toContain('nothing changed, nothing committed');
    expect(treeSnapshot(dir)).toBe(before);
    const none = await tt(dir, ['task', 'edit', id]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('nothing to edit');
  });

  it('refuses a closed task, naming its state, and bad values before touching anything', async () => {
    await tt(dir, ['task', 'complete', id, '--result', 'done']);
    const before = commitCount(dir);
    const closed = await tt(dir, ['task', 'edit', id, '--title', 'Too late', '--json']);
    expect(closed.code).toBe(1);
    expect(closed.json<{ kind: string; message: string }>()).toMatchObject({ kind: 'error', code: 'conflict' });
    expect(closed.json<{ message: string }>().message).toContain(`cannot edit ${id}: it is completed`);
    const other = (await tt(dir, ['assign', 'frontend', 'Style the page', '--json'])).json<{ task: TaskDoc }>().task.id;
    expect((await tt(dir, ['task', 'edit', other, '--priority', 'huge'])).code).toBe(2);
    const unknown = await tt(dir, ['task', 'edit', other, '--reviewer', 'nobody']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown reviewer "nobody"');
    expect(commitCount(dir)).toBe(before + 1);
  });
});

describe('tt task reassign', () => {
  let dir: string;
  beforeEach(async () => {
    dir = tempRepo();
    await townWithTeam(dir);
  });

  it('hands a running task to another agent: back to assigned, the new one gets the task, the old one is told, one commit', async () => {
    const id = (await tt(dir, ['assign', 'backend', 'Build the API', '--json'])).json<{ task: TaskDoc }>().task.id;
    await tt(dir, ['task', 'start', id], { TINYTOWN_AGENT: 'backend' });
    const run = await tt(dir, ['task', 'reassign', id, 'frontend', '--json']);
    expect(run.code).toBe(0);
    const doc = run.json<{ kind: string; task: TaskDoc; previous_assignee: string }>();
    expect(doc).toMatchObject({ kind: 'task', previous_assignee: 'backend', task: { id, state: 'assigned', assignee: 'frontend', started: null } });
    const trailers = trailersOf(dir);
    expect(trailers['Tinytown-Action']).toEqual(['reassign']);
    expect(trailers['Tinytown-Task']).toEqual([id]);
    expect(trailers['Tinytown-Message']).toHaveLength(2);
    const paths = commitPaths(dir);
    expect(paths).toContain(`.tinytown/tasks/${id}.md`);
    expect(paths.filter((p) => p.startsWith('.tinytown/inbox/frontend/'))).toHaveLength(1);
    const frontend = (await tt(dir, ['inbox', 'frontend', '--json'])).json<{ messages: Array<{ type: string; task: string; body: string }> }>();
    expect(frontend.messages).toEqual([expect.objectContaining({ type: 'task_assign', task: id })]);
    expect(frontend.messages[0]!.body).toContain('reassigned from backend');
    const backend = (await tt(dir, ['inbox', 'backend', '--json'])).json<{ messages: Array<{ type: string; body: string }> }>();
    expect(backend.messages.map((m) => m.type)).toEqual(['task_assign', 'info']);
    expect(backend.messages[1]!.body).toContain(`${id} was reassigned to frontend`);
    expect((await tt(dir, ['task', 'current', 'frontend', '--json'])).json<{ task: TaskDoc }>().task.id).toBe(id);
  });

  it('gives a backlog task to an agent, and refuses the same assignee, a closed task and an unknown agent', async () => {
    const id = (await tt(dir, ['backlog', 'add', 'Write docs', '--json'])).json<{ task: TaskDoc }>().task.id;
    const run = await tt(dir, ['task', 'reassign', id, 'backend']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Reassigned ${id} (assigned) from nobody to backend`);
    expect(trailersOf(dir)['Tinytown-Message']).toHaveLength(1);
    const before = commitCount(dir);
    const same = await tt(dir, ['task', 'reassign', id, 'backend']);
    expect(same.code).toBe(1);
    expect(same.stderr).toContain('backend has it already');
    expect((await tt(dir, ['task', 'reassign', id, 'nobody'])).stderr).toContain('unknown agent "nobody"');
    await tt(dir, ['task', 'cancel', id]);
    const closed = await tt(dir, ['task', 'reassign', id, 'frontend']);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toContain(`cannot reassign ${id}: it is cancelled`);
    expect(commitCount(dir)).toBe(before + 1);
  });
});

describe('tt task list filters', () => {
  it('--tag, --priority and --reviewer, combined with --state and --agent', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const make = async (args: string[]) => (await tt(dir, [...args, '--json'])).json<{ task: TaskDoc }>().task.id;
    const a = await make(['assign', 'backend', 'API', '--tags', 'api', '--priority', 'high', '--reviewer', 'reviewer']);
    const b = await make(['assign', 'backend', 'Docs', '--tags', 'docs,api']);
    const c = await make(['assign', 'frontend', 'Page', '--tags', 'ui', '--priority', 'urgent']);
    const list = async (...args: string[]) => {
      const run = await tt(dir, ['task', 'list', ...args, '--json']);
      expect(run.code, run.stderr).toBe(0);
      return run.json<{ kind: string; tasks: TaskDoc[] }>().tasks.map((task) => task.id);
    };
    expect(await list('--tag', 'api')).toEqual([a, b]);
    expect(await list('--tag', 'ui,docs')).toEqual([c, b]);
    expect(await list('--priority', 'high,urgent')).toEqual([c, a]);
    expect(await list('--reviewer', 'reviewer')).toEqual([a]);
    expect(await list('--tag', 'api', '--agent', 'backend', '--priority', 'normal')).toEqual([b]);
    expect(await list('--tag', 'api', '--state', 'running')).toEqual([]);
    expect((await tt(dir, ['task', 'list', '--priority', 'huge'])).code).toBe(2);
    const text = await tt(dir, ['task', 'list', '--tag', 'ui']);
    expect(text.stdout).toMatch(/^ID +STATE/);
    expect(text.stdout).toContain(c);
    expect(text.stdout).not.toContain(a);
  });
});

describe('tt task edit of a task in review', () => {
  it('edits its text but refuses to change its reviewer, who holds the review request', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const id = (await tt(dir, ['assign', 'backend', 'Build the API', '--reviewer', 'reviewer', '--json'])).json<{ task: TaskDoc }>().task.id;
    expect((await tt(dir, ['review', id], { TINYTOWN_AGENT: 'backend' })).code).toBe(0);
    expect((await tt(dir, ['task', 'edit', id, '--priority', 'high'])).code).toBe(0);
    const change = await tt(dir, ['task', 'edit', id, '--reviewer', 'frontend']);
    expect(change.code).toBe(1);
    expect(change.stderr).toContain(`cannot change the reviewer of ${id}: it is in review with reviewer`);
    expect((await tt(dir, ['task', 'show', id, '--json'])).json<{ task: TaskDoc }>().task).toMatchObject({ state: 'review', reviewer: 'reviewer', priority: 'high' });
  });
});
