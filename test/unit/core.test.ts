import { describe, expect, it } from 'vitest';
import { MESSAGE_ID_PATTERN, TASK_ID_PATTERN, newMessageId, newTaskId, randomBase32, useRandomSource } from '../../src/core/ids.js';
import { closestName, validateAgentName } from '../../src/core/names.js';
import { applyTaskAction } from '../../src/core/transitions.js';
import { toMessage, toTask } from '../../src/core/validate.js';
import type { Task } from '../../src/core/types.js';
import { currentTasks } from '../../src/app/status.js';
import { asTinytownError, ConflictError, IoError, UsageError, ValidationError } from '../../src/errors.js';

const NOW = '2026-11-25T21:20:00.000Z';

function task(overrides: Partial<Task> = {}): Task {
  return {
    id: 't-7k2m9q', title: 'Build the API', state: 'assigned', assignee: 'backend', reviewer: null, priority: 'normal',
    tags: [], parent: null, created: NOW, updated: NOW, started: null, completed: null, result: null,
    approved_by: null, reviewed_commit: null, branch: null, review_commit: null, usage: null, body: 'Build it.\n', extra: {}, ...overrides,
  };
}

describe('ids', () => {
  it('makes task ids of t- and 6 characters of the base32 alphabet, every character at every position', () => {
    const ids = Array.from({ length: 2000 }, newTaskId);
    for (const id of ids) expect(id).toMatch(TASK_ID_PATTERN);
    // Each of the 32 characters is missing from a given position with probability (31/32)^2000 < 1e-27.
    for (let position = 2; position < 8; position++) {
      expect(new Set(ids.map((id) => id[position])).size).toBe(32);
    }
    // 2,000 draws from 2^30 ids expect 0.0019 colliding pairs; 6 or more happen with probability < 1e-19,
    // so this cannot fail by luck, yet catches a generator that repeats itself.
    expect(ids.length - new Set(ids).size).toBeLessThan(6);
  });

  it('maps random bytes to ids evenly and deterministically (a seeded source)', () => {
    let state = 0x2545f491; // xorshift32: a fixed sequence, so this test has no luck in it
    const seeded = (bytes: Uint8Array) => {
      for (let i = 0; i < bytes.length; i++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        bytes[i] = state & 0xff;
      }
      return bytes;
    };
    useRandomSource(seeded);
    try {
      const first = Array.from({ length: 2000 }, newTaskId);
      expect(new Set(first).size).toBe(2000);
      state = 0x2545f491;
      expect(Array.from({ length: 2000 }, newTaskId)).toEqual(first);
      // Each character takes exactly 8 of the 256 byte values: none is favoured.
      let next = 0;
      useRandomSource((bytes) => bytes.map(() => next++ & 0xff));
      const counts = new Map<string, number>();
      for (const char of randomBase32(256)) counts.set(char, (counts.get(char) ?? 0) + 1);
      expect([...counts.values()]).toEqual(Array.from({ length: 32 }, () => 8));
    } finally {
      useRandomSource((bytes) => globalThis.crypto.getRandomValues(bytes));
    }
  });

  it('makes message ids that sort by creation time', () => {
    const early = newMessageId(new Date('2026-11-25T21:20:00.123Z'));
    const late = newMessageId(new Date('2026-11-25T21:20:00.124Z'));
    expect(early).toMatch(MESSAGE_ID_PATTERN);
    expect(early.startsWith('20261125T212000123Z-')).toBe(true);
    expect(early < late).toBe(true);
  });
});

describe('agent names', () => {
  it.each(['backend', 'a', 'web-2', 'x'.repeat(32)])('accepts %s', (name) => {
    expect(validateAgentName(name)).toBe(name);
  });

  it.each(['../x', 'x/y', 'A_B', '', 'x'.repeat(33), 'Backend', '1st', 'has space', '.hidden'])('refuses %j', (name) => {
    expect(() => validateAgentName(name)).toThrow(UsageError);
  });

  it('suggests the closest known name', () => {
    expect(closestName('bakend', ['backend', 'frontend', 'reviewer'])).toBe('backend');
    expect(closestName('zzzzzz', ['backend'])).toBeUndefined();
  });
});

describe('task transitions', () => {
  it('runs the reviewed life cycle', () => {
    let t = task({ reviewer: 'reviewer' });
    t = applyTaskAction(t, { kind: 'start' }, NOW);
    expect(t.state).toBe('running');
    expect(t.started).toBe(NOW);
    t = applyTaskAction(t, { kind: 'review', reviewer: 'reviewer' }, NOW);
    expect(t.state).toBe('review');
    t = applyTaskAction(t, { kind: 'reject' }, NOW);
    expect(t.state).toBe('assigned');
    t = applyTaskAction(t, { kind: 'review', reviewer: 'reviewer' }, NOW);
    t = applyTaskAction(t, { kind: 'approve', approvedBy: 'reviewer', reviewedCommit: 'abc1234' }, NOW);
    expect(t).toMatchObject({ state: 'completed', approved_by: 'reviewer', reviewed_commit: 'abc1234', completed: NOW });
  });

  it('refuses `complete` on a task with a reviewer and points at tt review', () => {
    expect(() => applyTaskAction(task({ reviewer: 'reviewer' }), { kind: 'complete', result: 'done' }, NOW)).toThrow(/tt review/);
  });

  it('names the current state when refusing', () => {
    const done = task({ state: 'completed' });
    expect(() => applyTaskAction(done, { kind: 'start' }, NOW)).toThrow(ConflictError);
    expect(() => applyTaskAction(done, { kind: 'start' }, NOW)).toThrow(/it is completed/);
    expect(() => applyTaskAction(task(), { kind: 'approve', approvedBy: 'r', reviewedCommit: null }, NOW)).toThrow(/it is assigned/);
  });

  it('lets exactly the backlog be claimed', () => {
    const open = task({ state: 'pending', assignee: null });
    expect(applyTaskAction(open, { kind: 'claim', assignee: 'frontend' }, NOW)).toMatchObject({ state: 'assigned', assignee: 'frontend' });
    expect(() => applyTaskAction(task(), { kind: 'claim', assignee: 'frontend' }, NOW)).toThrow(/backend has it/);
  });

  it('requeues failed and cancelled work into the backlog', () => {
    const failed = applyTaskAction(task(), { kind: 'fail', reason: 'broken' }, NOW);
    expect(failed).toMatchObject({ state: 'failed', result: 'broken' });
    expect(applyTaskAction(failed, { kind: 'requeue' }, NOW)).toMatchObject({ state: 'pending', assignee: null });
    expect(() => applyTaskAction(task({ state: 'completed' }), { kind: 'requeue' }, NOW)).toThrow(ConflictError);
  });

  it('does not change the task it was given', () => {
    const before = task();
    applyTaskAction(before, { kind: 'start' }, '2030-01-01T00:00:00.000Z');
    expect(before.state).toBe('assigned');
  });
});

describe('validation', () => {
  const valid = { id: 't-7k2m9q', title: 'x', state: 'assigned', created: NOW };

  it('defaults optional keys and keeps unknown ones', () => {
    const t = toTask({ ...valid, custom: 42 }, '', 'tasks/t-7k2m9q.md');
    expect(t).toMatchObject({ priority: 'normal', tags: [], assignee: null, updated: NOW, extra: { custom: 42 } });
  });

  it('accepts unquoted timestamps that YAML turned into dates', () => {
    expect(toTask({ ...valid, created: new Date(NOW) }, '', 'f').created).toBe(NOW);
  });

  it.each([
    [{ ...valid, state: 'done' }, 'state'],
    [{ ...valid, id: 'x' }, 'id'],
    [{ ...valid, assignee: '../etc' }, 'assignee'],
    [{ ...valid, tags: [1, 2] }, 'tags'],
    [{ ...valid, created: 'yesterday' }, 'created'],
    [{ title: 'x', state: 'assigned', created: NOW }, 'id'],
  ])('names the file and field of a bad value (%#)', (data, field) => {
    try {
      toTask(data as Record<string, unknown>, '', 'tasks/bad.md');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe(field);
      expect((error as Error).message).toContain('tasks/bad.md');
    }
  });

  it('requires a kind on custom messages', () => {
    const message = { id: '20261125T212000123Z-k3f9qa', from: 'a', to: 'b', created: NOW, type: 'custom' };
    expect(() => toMessage(message, '', 'm.md')).toThrow(/kind/);
    expect(toMessage({ ...message, kind: 'ready_for_review' }, '', 'm.md').kind).toBe('ready_for_review');
  });
});

describe('current tasks (tt status, the board)', () => {
  it('gives each agent its first running task, else its first assigned one, and nothing else', () => {
    const tasks = [
      task({ id: 't-aaaaa1', state: 'assigned', assignee: 'backend' }),
      task({ id: 't-aaaaa2', state: 'running', assignee: 'backend' }),
      task({ id: 't-aaaaa3', state: 'running', assignee: 'backend' }),
      task({ id: 't-bbbbb1', state: 'review', assignee: 'frontend' }),
      task({ id: 't-bbbbb2', state: 'assigned', assignee: 'frontend' }),
      task({ id: 't-bbbbb3', state: 'assigned', assignee: 'frontend' }),
      task({ id: 't-ccccc1', state: 'completed', assignee: 'tester' }),
      task({ id: 't-ddddd1', state: 'pending', assignee: null }),
    ];
    const current = currentTasks(tasks);
    expect(Object.fromEntries([...current].map(([agent, t]) => [agent, t.id]))).toEqual({ backend: 't-aaaaa2', frontend: 't-bbbbb2' });
  });
});

describe('asTinytownError', () => {
  const systemError = (code: string, syscall: string, path: string) => Object.assign(new Error(`${code}: ${syscall} ${path}`), { code, syscall, path });
  it('makes the file system\'s refusals IoErrors naming the path and the fix, and leaves other errors alone', () => {
    const full = asTinytownError(systemError('ENOSPC', 'write', '/repo/.tinytown/tasks/t-abc.md'));
    expect(full).toBeInstanceOf(IoError);
    expect(full!.code).toBe('io');
    expect(full!.message).toBe('cannot write /repo/.tinytown/tasks/t-abc.md: no space left on the device; free some space and run the command again');
    expect(asTinytownError(systemError('EACCES', 'open', '/x'))!.message).toMatch(/permission denied/);
    expect(asTinytownError(systemError('EROFS', 'open', '/x'))!.message).toMatch(/read-only/);
    const usage = new UsageError('bad');
    expect(asTinytownError(usage)).toBe(usage);
    expect(asTinytownError(new TypeError('x is undefined'))).toBeUndefined();
    expect(asTinytownError(systemError('ECONNRESET', 'read', '/x'))).toBeUndefined();
  });
});
