/** core/task-edit.ts: pure edits and reassignments, refusals naming the state. */
import { describe, expect, it } from 'vitest';
import { applyReassign, applyTaskEdit, editedFields } from '../../src/core/task-edit.js';
import type { Task } from '../../src/core/types.js';

const NOW = '2026-12-01T10:00:00.000Z';
const task = (fields: Partial<Task> = {}): Task => ({
  id: 't-abc234', title: 'Build', state: 'assigned', assignee: 'backend', reviewer: null, priority: 'normal', tags: ['api'], parent: null,
  created: '2026-11-30T10:00:00.000Z', updated: '2026-11-30T10:00:00.000Z', started: null, completed: null, result: null,
  approved_by: null, reviewed_commit: null, branch: null, review_commit: null, usage: null, body: 'Build\n', extra: { branch: null }, ...fields,
});

describe('applyTaskEdit', () => {
  it('changes only the fields given, stamps updated, and keeps unknown keys', () => {
    const edited = applyTaskEdit(task(), { title: 'Build it', tags: [] }, NOW)!;
    expect(edited).toMatchObject({ title: 'Build it', tags: [], priority: 'normal', body: 'Build\n', updated: NOW, extra: { branch: null } });
    expect(editedFields(task(), { title: 'Build it', tags: [], priority: 'normal' })).toEqual(['title', 'tags']);
  });

  it('is undefined when nothing would change', () => {
    expect(applyTaskEdit(task(), { title: 'Build', tags: ['api'], reviewer: null }, NOW)).toBeUndefined();
  });

  it('refuses a closed task, naming its state and the way back', () => {
    expect(() => applyTaskEdit(task({ state: 'cancelled' }), { title: 'x' }, NOW)).toThrow(/cannot edit t-abc234: it is cancelled; .*tt task requeue t-abc234/);
    expect(() => applyTaskEdit(task({ state: 'completed' }), { title: 'x' }, NOW)).toThrow(/it is completed/);
  });
});

describe('applyReassign', () => {
  it('a running task goes back to assigned, unstarted; one in review stays in review; a backlog task becomes assigned', () => {
    expect(applyReassign(task({ state: 'running', started: NOW }), 'frontend', NOW)).toMatchObject({ state: 'assigned', assignee: 'frontend', started: null });
    expect(applyReassign(task({ state: 'review', reviewer: 'reviewer', started: NOW }), 'frontend', NOW)).toMatchObject({ state: 'review', assignee: 'frontend', started: NOW });
    expect(applyReassign(task({ state: 'pending', assignee: null }), 'frontend', NOW)).toMatchObject({ state: 'assigned', assignee: 'frontend' });
  });

  it('refuses the same assignee and a closed task', () => {
    expect(() => applyReassign(task(), 'backend', NOW)).toThrow(/backend has it already/);
    expect(() => applyReassign(task({ state: 'failed' }), 'frontend', NOW)).toThrow(/cannot reassign t-abc234: it is failed/);
  });
});
