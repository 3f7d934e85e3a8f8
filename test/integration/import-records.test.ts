/** importRecords: many records, one commit, only the imported paths touched in the index. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, tempRepo } from '../helpers/repo.js';
import { tt } from '../helpers/tt.js';
import { openTown } from '../../src/store/town.js';
import { importRecords } from '../../src/app/import-records.js';
import { createMessage } from '../../src/app/messages.js';
import { newTaskId } from '../../src/core/ids.js';
import { formatMessage, formatTask } from '../../src/store/records.js';
import { ConflictError, UsageError } from '../../src/errors.js';
import type { Task } from '../../src/core/types.js';

function task(title: string): Task {
  const now = '2026-01-05T09:00:00.000Z';
  return {
    id: newTaskId(), title, state: 'pending', assignee: null, reviewer: null, priority: 'normal', tags: ['api'], parent: null,
    created: now, updated: now, started: null, completed: null, result: null, approved_by: null, reviewed_commit: null, branch: null, review_commit: null, usage: null,
    body: `${title}\n`, extra: {},
  };
}

describe('importRecords', () => {
  it('writes canonical files and commits them all at once, leaving what the user staged alone', async () => {
    const dir = tempRepo();
    expect((await tt(dir, ['init'])).code).toBe(0);
    expect((await tt(dir, ['spawn', 'backend', '--no-start'])).code).toBe(0);
    writeFileSync(path.join(dir, 'notes.txt'), 'staged by the user\n');
    git(dir, 'add', 'notes.txt');
    const commitsBefore = Number(git(dir, 'rev-list', '--count', 'HEAD').trim());
    const tasks = [task('First'), task('Second')];
    const unread = createMessage({ from: 'conductor', to: 'backend', type: 'info', body: 'hello\n' }, new Date('2026-01-05T09:00:01.000Z'));
    const read = createMessage({ from: 'conductor', to: 'backend', type: 'info', body: 'old news\n' }, new Date('2026-01-05T09:00:02.000Z'));

    const result = await importRecords(openTown({ cwd: dir, env: {} }), { tasks, messages: [unread], readMessages: [read] }, { actor: 'conductor', summary: 'a test' });

    expect(result.files).toBe(4);
    expect(Number(git(dir, 'rev-list', '--count', 'HEAD').trim())).toBe(commitsBefore + 1);
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(result.commit);
    expect(git(dir, 'log', '-1', '--format=%an%n%s%n%(trailers:key=Tinytown-Action,valueonly)').trim().split('\n')).toEqual(['conductor', 'tt(conductor): import a test', 'import']);
    expect(readFileSync(path.join(dir, '.tinytown', 'tasks', `${tasks[0]!.id}.md`), 'utf8')).toBe(formatTask(tasks[0]!));
    expect(git(dir, 'show', `HEAD:.tinytown/inbox/backend/read/${read.id}.md`)).toBe(formatMessage(read));
    // The work tree and index agree with the commit for the imported files; the user's staged file is still staged.
    expect(git(dir, 'status', '--porcelain').trim()).toBe('A  notes.txt');
    const listed = await tt(dir, ['inbox', 'backend', '--json']);
    expect(listed.json<{ messages: Array<{ id: string }> }>().messages.map((m) => m.id)).toEqual([unread.id]);
  });

  it('refuses to replace a file, and an empty batch, committing nothing', async () => {
    const dir = tempRepo();
    expect((await tt(dir, ['init'])).code).toBe(0);
    const town = openTown({ cwd: dir, env: {} });
    const first = task('Only once');
    await importRecords(town, { tasks: [first] }, { actor: 'conductor', summary: 'once' });
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    await expect(importRecords(town, { tasks: [first] }, { actor: 'conductor', summary: 'twice' })).rejects.toThrow(ConflictError);
    await expect(importRecords(town, {}, { actor: 'conductor', summary: 'nothing' })).rejects.toThrow(UsageError);
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(head);
  });
});
