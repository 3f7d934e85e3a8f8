/**
 * The one cache rule (src/store/stat-cache.ts), on real files: a value is
 * reused only while the file's stat is unchanged and was taken outside the
 * racy window. On a file system with a coarse clock, a file rewritten with the
 * same size in the same tick keeps its whole stat; these tests stand in for
 * that clock by comparing with the stat taken before the rewrite (and putting
 * the mtime back), and check that every kind of cache reads such a file again.
 */
import { lstatSync, mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempRepo } from '../helpers/repo.js';
import { later } from '../helpers/later.js';
import { listTasks } from '../../src/store/reader.js';
import { formatTask } from '../../src/store/records.js';
import { COARSE_RACY_WINDOW_MS, FINE_RACY_WINDOW_MS, isReusable, isSettled, racyWindowMs, statStamp } from '../../src/store/stat-cache.js';
import { FileMemo } from '../../src/ui/file-memo.js';
import type { Task } from '../../src/core/types.js';

afterEach(() => {
  vi.useRealTimers();
});

const CREATED = '2026-11-25T21:20:00.000Z';

function task(id: string, title: string): Task {
  return {
    id, title, state: 'pending', assignee: null, reviewer: null, priority: 'normal', tags: [], parent: null,
    created: CREATED, updated: CREATED, started: null, completed: null, result: null, approved_by: null,
    reviewed_commit: null, branch: null, review_commit: null, usage: null, body: 'Body.\n', extra: {},
  };
}

/** Writes a file and gives it the current whole second as its mtime, as a file system with a one-second clock would. */
function writeCoarse(file: string, text: string): void {
  writeFileSync(file, text);
  const second = new Date(Math.floor(Date.now() / 1000) * 1000);
  utimesSync(file, second, second);
}

/** Rewrites a file with text of the same length in the same tick of a one-second clock: only ctime could tell. */
function rewriteInSameTick(file: string, text: string): void {
  const before = statSync(file);
  expect(before.mtimeMs % 1000).toBe(0);
  writeFileSync(file, text);
  expect(statSync(file).size).toBe(before.size);
  utimesSync(file, before.atime, before.mtime);
  expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
}

describe('the racy window', () => {
  it('never reuses a stamp taken within the window, even when the stat is the same', () => {
    const dir = tempRepo();
    const file = path.join(dir, 'f.md');
    writeCoarse(file, 'one');
    const stat = lstatSync(file);
    // A stamp taken right after the write: a second write in the same tick would leave this very stat.
    const racy = statStamp(stat, Date.now());
    expect(isReusable(racy, stat)).toBe(false);
    // Taken once the file had settled, the same stat is reusable, and a different one is not.
    const latest = Math.max(stat.mtimeMs, stat.ctimeMs);
    const window = racyWindowMs(stat.ctimeMs);
    const settled = statStamp(stat, latest + window + 1);
    expect(isReusable(settled, stat)).toBe(true);
    rewriteInSameTick(file, 'two');
    expect(isReusable(settled, lstatSync(file))).toBe(false); // ctime moved
    // The window is measured from mtime or ctime, whichever is later, and a stamp taken at its very end is still inside it.
    expect(isReusable(statStamp(stat, latest + window), stat)).toBe(false);
    expect(isReusable(statStamp(stat, latest + window + 1), stat)).toBe(true);
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(file, hourAgo, hourAgo); // an old mtime, but ctime is now
    const backdated = lstatSync(file);
    expect(isReusable(statStamp(backdated, Date.now()), backdated)).toBe(false);
  });

  it('follows the clock that stamped the file: ctime in whole seconds is a coarse clock (two seconds), any other a fine one', () => {
    expect(racyWindowMs(1_764_700_000_000)).toBe(COARSE_RACY_WINDOW_MS);
    expect(racyWindowMs(1_764_700_000_123.456789)).toBe(FINE_RACY_WINDOW_MS);
    expect(FINE_RACY_WINDOW_MS).toBeLessThan(COARSE_RACY_WINDOW_MS);
    // [size, mtime, ctime, ino]: a stamp one fine window after a fine ctime is settled; after a whole-second ctime it is not
    const fine = [3, 1_764_700_000_123.5, 1_764_700_000_123.5, 7];
    const coarse = [3, 1_764_700_000_000, 1_764_700_000_000, 7];
    expect(isSettled(fine, 1_764_700_000_123.5 + FINE_RACY_WINDOW_MS + 1)).toBe(true);
    expect(isSettled(coarse, 1_764_700_000_000 + FINE_RACY_WINDOW_MS + 1)).toBe(false);
    expect(isSettled(coarse, 1_764_700_000_000 + COARSE_RACY_WINDOW_MS + 1)).toBe(true);
    // a back-dated mtime does not shorten the window: ctime, which cannot be set, still counts
    expect(isSettled([3, 1_000, 1_764_700_000_123.5, 7], 1_764_700_000_123.5 + FINE_RACY_WINDOW_MS)).toBe(false);
  });

  it("re-reads through the board's file memo a file rewritten with the same size in the same tick, and reuses it once settled", () => {
    const dir = tempRepo();
    mkdirSync(path.join(dir, 'tasks'));
    const file = path.join(dir, 'tasks', 'a.md');
    writeCoarse(file, 'one');
    const parsed: string[] = [];
    const memo = new FileMemo<string>(dir, (text) => {
      parsed.push(text);
      return text;
    });
    expect(memo.read('tasks/a.md')).toEqual({ value: 'one' });
    rewriteInSameTick(file, 'two');
    expect(memo.read('tasks/a.md')).toEqual({ value: 'two' });
    expect(memo.read('tasks/a.md')).toEqual({ value: 'two' });
    expect(parsed).toEqual(['one', 'two', 'two']); // within the window, every read reads the file
    // Once the file has settled, its stamp is taken outside the window and the parse is reused.
    later(() => {
      expect(memo.read('tasks/a.md')).toEqual({ value: 'two' });
      expect(memo.read('tasks/a.md')).toEqual({ value: 'two' });
    });
    expect(parsed).toEqual(['one', 'two', 'two', 'two']);
  });

  it('re-reads through the parsed-file cache a task rewritten with the same size in the same tick', () => {
    const dir = tempRepo();
    const tasksDir = path.join(dir, '.tinytown', 'tasks');
    mkdirSync(tasksDir, { recursive: true });
    const file = path.join(tasksDir, 't-aaaaaa.md');
    writeCoarse(file, formatTask(task('t-aaaaaa', 'First title')));
    expect(listTasks(dir).items.map((t) => t.title)).toEqual(['First title']);
    rewriteInSameTick(file, formatTask(task('t-aaaaaa', 'Other title')));
    expect(listTasks(dir).items.map((t) => t.title)).toEqual(['Other title']);
    // Settled, it is cached; a later same-size rewrite changes ctime, so it is read again all the same.
    expect(later(() => listTasks(dir)).items.map((t) => t.title)).toEqual(['Other title']);
    rewriteInSameTick(file, formatTask(task('t-aaaaaa', 'Third title')));
    expect(later(() => listTasks(dir)).items.map((t) => t.title)).toEqual(['Third title']);
  });
});
