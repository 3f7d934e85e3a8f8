import { cpSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listAgents, listRead, listTasks, listUnread } from '../../src/store/reader.js';
import { git, tempRepo } from '../helpers/repo.js';
import { REPO_ROOT, tt } from '../helpers/tt.js';

const EXAMPLE = path.join(REPO_ROOT, '.tinytown.example');

describe('the example town', () => {
  it('loads with the real loader: every file valid, every kind present', () => {
    const dir = tempRepo();
    cpSync(EXAMPLE, path.join(dir, '.tinytown'), { recursive: true });
    const agents = listAgents(dir);
    const tasks = listTasks(dir);
    expect(agents.problems).toEqual([]);
    expect(tasks.problems).toEqual([]);
    expect(agents.items.map((a) => a.name)).toEqual(expect.arrayContaining(['conductor', 'backend', 'frontend', 'reviewer']));
    expect(new Set(tasks.items.map((t) => t.state))).toEqual(new Set(['pending', 'assigned', 'running', 'review', 'completed', 'failed', 'cancelled']));
    let unread = 0;
    let read = 0;
    for (const agent of readdirSync(path.join(dir, '.tinytown/inbox'))) {
      const inbox = listUnread(dir, agent);
      const done = listRead(dir, agent);
      expect([...inbox.problems, ...done.problems]).toEqual([]);
      unread += inbox.items.length;
      read += done.items.length;
    }
    expect(unread).toBeGreaterThan(0);
    expect(read).toBeGreaterThan(0);
  });

  it('answers status, task list and inbox --all', async () => {
    const dir = tempRepo();
    cpSync(EXAMPLE, path.join(dir, '.tinytown'), { recursive: true });
    git(dir, 'add', '.tinytown');
    git(dir, 'commit', '-q', '-m', 'example town');
    const status = await tt(dir, ['status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.json()).toMatchObject({ kind: 'status', town: { name: 'example-shop' }, tasks: { pending: 1, assigned: 1, running: 1, review: 1, completed: 1, failed: 1, cancelled: 1 } });
    expect(status.stderr).toBe('');
    const inboxes = (await tt(dir, ['inbox', '--all', '--json'])).json<{ inboxes: Array<{ agent: string; messages: Array<{ urgent: boolean }> }> }>().inboxes;
    expect(inboxes.find((i) => i.agent === 'backend')?.messages[0]?.urgent).toBe(true);
    expect((await tt(dir, ['send', 'ui', 'nicknames resolve', '--json'])).json<{ message: { to: string } }>().message.to).toBe('frontend');
  });
});
