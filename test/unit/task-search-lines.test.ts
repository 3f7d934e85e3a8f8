/**
 * The tasks' search lines (src/app/task-search-lines.ts): a line read field by
 * field gives back each field exactly, and compares and searches fields
 * holding tabs, newlines and backslashes as their text, not their escapes.
 */
import { describe, expect, it } from 'vitest';
import { FIELD, TaskLine, taskLine } from '../../src/app/task-search-lines.js';
import type { Task } from '../../src/core/types.js';

const CREATED = '2026-11-25T21:20:00.000Z';

function task(fields: Partial<Task>): Task {
  return {
    id: 't-abc123', title: 'A title', state: 'failed', assignee: 'backend', reviewer: null, priority: 'high', tags: ['api', 'ui'], parent: null,
    created: CREATED, updated: CREATED, started: null, completed: null, result: null, approved_by: null,
    reviewed_commit: null, branch: null, review_commit: null, usage: null, body: 'Body.\n', extra: {}, ...fields,
  };
}

const lineOf = (fields: Partial<Task>) => new TaskLine(taskLine(task(fields)).slice(0, -1));

describe('TaskLine', () => {
  it('gives back every field exactly, escapes and all', () => {
    const line = lineOf({ title: 'Tab\there, a \\ backslash', result: 'Line one\nline two\\n', body: 'Ünïcode\r\n\\t literal\n', assignee: 'agent-01', reviewer: 'reviewer' });
    expect(line.field(FIELD.id)).toBe('t-abc123');
    expect(line.field(FIELD.title)).toBe('Tab\there, a \\ backslash');
    expect(line.field(FIELD.result)).toBe('Line one\nline two\\n');
    expect(line.field(FIELD.searchedTitle)).toBe('tab\there, a \\ backslash');
    expect(line.field(FIELD.searchedDescription)).toBe('ünïcode\r\n\\t literal\n');
    expect(line.field(FIELD.tags)).toBe('api,ui');
    expect(line.field(FIELD.created)).toBe(CREATED);
    expect([line.field(FIELD.assignee), line.field(FIELD.reviewer)]).toEqual(['agent-01', 'reviewer']);
    expect(lineOf({}).field(FIELD.reviewer)).toBe('');
  });

  it('compares a field with a text, escapes in either', () => {
    const line = lineOf({ title: 'a\tb', result: 'a\\tb' });
    expect(line.is(FIELD.state, 'failed')).toBe(true);
    expect(line.is(FIELD.state, 'fail')).toBe(false);
    expect(line.is(FIELD.state, 'failed!')).toBe(false);
    expect(line.is(FIELD.title, 'a\tb')).toBe(true);
    expect(line.is(FIELD.title, 'a\\tb')).toBe(false); // the escaped form is not the text
    expect(line.is(FIELD.result, 'a\\tb')).toBe(true);
    expect(line.is(FIELD.result, 'a\tb')).toBe(false);
    expect(line.is(FIELD.reviewer, '')).toBe(true);
  });

  it('finds the needle in the text a field holds, never across an escape or into the next field', () => {
    // "\\n" escaped is "\\\\n": it holds the escaped newline "\\n" in its bytes, but the text holds no newline
    const line = lineOf({ title: 'a \\n b', result: 'first\nsecond', body: 'staging is down' });
    const holds = (field: (typeof FIELD)[keyof typeof FIELD], needle: string) => line.holds(field, needle, needle.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')));
    expect(holds(FIELD.searchedTitle, '\n')).toBe(false);
    expect(holds(FIELD.searchedTitle, '\\n')).toBe(true);
    expect(holds(FIELD.searchedResult, '\n')).toBe(true);
    expect(holds(FIELD.searchedResult, 't\ns')).toBe(true);
    expect(holds(FIELD.searchedDescription, 'staging')).toBe(true);
    expect(holds(FIELD.searchedResult, 'staging')).toBe(false);
    const plain = lineOf({ title: 'the title', result: 'the result', body: 'staging is down' });
    expect(plain.holds(FIELD.searchedResult, 'result', 'result')).toBe(true);
    expect(plain.holds(FIELD.searchedResult, 'staging', 'staging')).toBe(false); // it is in the next field
    expect(plain.holds(FIELD.searchedTitle, 'result', 'result')).toBe(false);
    expect(plain.holds(FIELD.searchedResult, 'result\tstaging', 'result\\tstaging')).toBe(false); // nor across the tab between them
  });

  it('reads a damaged line (fields missing) as empty fields, never another field', () => {
    const line = new TaskLine('t-abc123\tfailed');
    expect(line.field(FIELD.state)).toBe('failed');
    expect(line.field(FIELD.title)).toBe('');
    expect(line.is(FIELD.priority, '')).toBe(true);
    expect(line.holds(FIELD.searchedDescription, 'failed', 'failed')).toBe(false);
  });
});
