import { describe, expect, it } from 'vitest';
import { classifyTownFile, completeMessageFields, fieldLine, hasCanonicalName, isScratchName } from '../../src/core/direct-edits.js';
import { actionsBetween, illegalStateChangeReason, isLegalStateChange, nextStates } from '../../src/core/state-change.js';
import { applyTaskAction } from '../../src/core/transitions.js';
import { TASK_STATES, type Task, type TaskState } from '../../src/core/types.js';
import { MESSAGE_ID_PATTERN } from '../../src/core/ids.js';
import { TEMP_FILE_PATTERN } from '../../src/store/fs-safe.js';
import { EditQueue } from '../../src/watch/edit-queue.js';
import { waitFor } from '../helpers/wait.js';

const NOW = '2026-11-25T21:20:00.000Z';

function task(state: TaskState, overrides: Partial<Task> = {}): Task {
  return {
    id: 't-7k2m9q', title: 'Build the API', state, assignee: state === 'pending' ? null : 'backend', reviewer: null, priority: 'normal',
    tags: [], parent: null, created: NOW, updated: NOW, started: null, completed: null, result: null,
    approved_by: null, reviewed_commit: null, branch: null, review_commit: null, usage: null, body: 'Build it.\n', extra: {}, ...overrides,
  };
}

describe('hand-made state changes follow the task life cycle', () => {
  it.each<[TaskState, TaskState, boolean]>([
    ['pending', 'assigned', true],
    ['assigned', 'running', true],
    ['assigned', 'assigned', true],
    ['running', 'completed', true],
    ['running', 'review', true],
    ['review', 'completed', true],
    ['review', 'assigned', true],
    ['running', 'failed', true],
    ['failed', 'pending', true],
    ['cancelled', 'pending', true],
    ['pending', 'running', false],
    ['pending', 'completed', false],
    ['completed', 'running', false],
    ['completed', 'pending', false],
    ['failed', 'running', false],
    ['review', 'running', false],
  ])('%s → %s is %s without a reviewer', (from, to, legal) => {
    expect(isLegalStateChange(task(from), to)).toBe(legal);
  });

  it('refuses completing a task that has a reviewer except through review', () => {
    const reviewed = task('running', { reviewer: 'reviewer' });
    expect(isLegalStateChange(reviewed, 'completed')).toBe(false);
    expect(isLegalStateChange(reviewed, 'review')).toBe(true);
    expect(isLegalStateChange(task('review', { reviewer: 'reviewer' }), 'completed')).toBe(true);
    expect(illegalStateChangeReason(reviewed, 'completed')).toContain('it has a reviewer, reviewer');
  });

  it('agrees with applyTaskAction for every pair of states', () => {
    for (const from of TASK_STATES) {
      for (const to of TASK_STATES) {
        for (const reviewer of [null, 'reviewer']) {
          const before = task(from, { reviewer });
          const kinds = actionsBetween(before, to);
          for (const kind of kinds) {
            expect(() => applyTaskAction(before, { kind } as Parameters<typeof applyTaskAction>[1], NOW)).not.toThrow();
          }
          expect(nextStates(before).includes(to)).toBe(from !== to && kinds.length > 0);
        }
      }
    }
  });

  it('names the current state and the legal ones in its reason', () => {
    expect(illegalStateChangeReason(task('pending'), 'running')).toBe('state pending → running is not a legal move; from pending a task may become assigned, failed, cancelled');
  });
});

describe('town file names', () => {
  it('classifies paths inside .tinytown/', () => {
    expect(classifyTownFile('inbox/backend/note.md')).toEqual({ kind: 'message', folder: 'backend', name: 'note' });
    expect(classifyTownFile('inbox/backend/read/20261125T212000123Z-k3f9qa.md')).toEqual({ kind: 'read-message', folder: 'backend', name: '20261125T212000123Z-k3f9qa' });
    expect(classifyTownFile('tasks/t-7k2m9q.md')).toEqual({ kind: 'task', name: 't-7k2m9q' });
    expect(classifyTownFile('agents/backend.md')).toEqual({ kind: 'agent', name: 'backend' });
    for (const other of ['town.yml', 'run/lock', 'inbox/backend/note.txt', 'inbox/Bad/x.md', 'inbox/backend/deep/x.md', 'inbox/x.md', 'tasks/sub/t.md', 'inbox/backend/.note.md.swp', 'inbox/backend/note.md~']) {
      expect(classifyTownFile(other), other).toEqual({ kind: 'other' });
    }
  });

  it('knows the names tt gives', () => {
    expect(hasCanonicalName(classifyTownFile('inbox/backend/20261125T212000123Z-k3f9qa.md'))).toBe(true);
    expect(hasCanonicalName(classifyTownFile('inbox/backend/note.md'))).toBe(false);
    expect(hasCanonicalName(classifyTownFile('tasks/t-7k2m9q.md'))).toBe(true);
    expect(hasCanonicalName(classifyTownFile('tasks/new-task.md'))).toBe(false);
  });

  it.each(['.note.md.swp', '.t-7k2m9q.md.123.abcdef.tmp', 'note.md~', '4913', '#note.md#', '.#note.md', 'note.md___jb_tmp___', 'x.swp', 'x.tmp', 'x.bak'])('treats %s as scratch', (name) => {
    expect(isScratchName(name)).toBe(true);
  });

  it('treats every tt temp file as scratch and no canonical name as scratch', () => {
    const temp = '.20261125T212000123Z-k3f9qa.md.4242.abcdef.tmp';
    expect(TEMP_FILE_PATTERN.test(temp)).toBe(true);
    expect(isScratchName(temp)).toBe(true);
    for (const name of ['20261125T212000123Z-k3f9qa.md', 't-7k2m9q.md', 'backend.md', 'note.md']) expect(isScratchName(name)).toBe(false);
  });
});

describe('hand-written messages', () => {
  it('finds the line of a frontmatter field', () => {
    const text = '---\nfrom: reviewer\nto: backend\n---\nfrom: not a field\n';
    expect(fieldLine(text, 'from')).toBe(2);
    expect(fieldLine(text, 'to')).toBe(3);
    expect(fieldLine(text, 'type')).toBeUndefined();
    expect(fieldLine('no frontmatter\nfrom: x\n', 'from')).toBeUndefined();
  });

  it('fills id, to, created and type, and keeps what was given', () => {
    const completed = completeMessageFields({ from: 'reviewer', urgent: true }, { to: 'backend', created: NOW, newId: () => '20261125T212000000Z-aaaaaa' });
    expect(completed).toEqual({ from: 'reviewer', urgent: true, id: '20261125T212000000Z-aaaaaa', to: 'backend', created: NOW, type: 'task' });
    expect(MESSAGE_ID_PATTERN.test(String(completed.id))).toBe(true);
    const given = { from: 'a', id: '20261125T212000123Z-k3f9qa', to: 'b', created: '2020-01-01T00:00:00.000Z', type: 'query' };
    expect(completeMessageFields(given, { to: 'x', created: NOW, newId: () => 'unused' })).toEqual(given);
  });
});

describe('the edit queue', () => {
  it('hands over a burst as one batch once it is quiet, and each path once', async () => {
    const batches: string[][] = [];
    const queue = new EditQueue({ quietMs: 20, gatherMs: 20, maxGatherMs: 500, maxBatch: 100, process: async (paths) => { batches.push(paths); } });
    try {
      for (let i = 0; i < 30; i++) queue.touch(`p${i % 10}`);
      await waitFor(() => batches.length > 0, { what: 'a batch' });
      await queue.idle();
      expect(batches.flat().sort()).toEqual(Array.from({ length: 10 }, (_, i) => `p${i}`).sort());
      expect(batches.length).toBe(1);
    } finally {
      await queue.close();
    }
  });

  it('splits batches at maxBatch and runs one at a time', async () => {
    const batches: string[][] = [];
    let running = 0;
    let overlapped = false;
    const queue = new EditQueue({
      quietMs: 5, gatherMs: 5, maxGatherMs: 50, maxBatch: 4,
      process: async (paths) => {
        overlapped ||= running > 0;
        running++;
        batches.push(paths);
        await new Promise((resolve) => setImmediate(resolve));
        running--;
      },
    });
    try {
      for (let i = 0; i < 10; i++) queue.add(`p${i}`);
      await waitFor(() => batches.flat().length === 10, { what: 'all paths' });
      await queue.idle();
      expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
      expect(overlapped).toBe(false);
    } finally {
      await queue.close();
    }
  });
});
