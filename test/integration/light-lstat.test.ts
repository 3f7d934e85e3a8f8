/**
 * lstatLight (src/store/light-lstat.ts): node's fs binding, read without an
 * fs.Stats, must give exactly what fs.lstatSync gives — the cache rule
 * compares its numbers with stamps fs.Stats wrote — and must fall back to
 * fs.lstatSync where node would warn about it.
 */
import { lstatSync, mkdirSync, symlinkSync, utimesSync, writeFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempRepo } from '../helpers/repo.js';
import { ttProcess, townWithTeam, tt } from '../helpers/tt.js';
import type { LinkStat } from '../../src/store/light-lstat.js';

type LightLstat = typeof import('../../src/store/light-lstat.js');

/** A fresh copy of the module: its choice of binding or fs is made once per process, on the first stat. */
async function freshModule(): Promise<LightLstat> {
  vi.resetModules();
  return import('../../src/store/light-lstat.js');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

/** What a stat call gave: the fields the cache rule and the listing read, nothing, or the error's code. */
function outcome(lstat: () => LinkStat | Stats | undefined) {
  try {
    const stat = lstat();
    return stat && {
      size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, ino: stat.ino,
      file: stat.isFile(), directory: stat.isDirectory(), symlink: stat.isSymbolicLink(),
    };
  } catch (error) {
    return { error: (error as NodeJS.ErrnoException).code };
  }
}

/** Paths of every kind a folder of town files can hold, times with nanoseconds and far from now included. */
function corpus(dir: string): string[] {
  const file = path.join(dir, 'task.md');
  writeFileSync(file, 'x'.repeat(4099));
  const old = path.join(dir, 'old.md');
  writeFileSync(old, '');
  utimesSync(old, new Date('1999-12-31T23:59:59.123Z'), new Date('1970-01-02T00:00:00.987Z'));
  const folder = path.join(dir, 'folder.md');
  mkdirSync(folder);
  symlinkSync(file, path.join(dir, 'link.md'));
  symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'dangling.md'));
  const unicode = path.join(dir, 'tâche ✓.md');
  writeFileSync(unicode, 'é');
  return [file, old, folder, path.join(dir, 'link.md'), path.join(dir, 'dangling.md'), unicode, path.join(dir, 'missing.md'), path.join(file, 'below-a-file.md')];
}

describe('lstatLight', () => {
  it('takes the binding on this node, and gives what fs.lstatSync gives for every kind of path', async () => {
    const { lstatLight, lstatLightMode, ReusableLinkStat } = await freshModule();
    const dir = tempRepo();
    const paths = corpus(dir);
    expect(lstatLightMode()).toBeUndefined();
    const reused = new ReusableLinkStat();
    for (const file of paths) {
      const expected = outcome(() => lstatSync(file, { throwIfNoEntry: false }));
      expect(outcome(() => lstatLight(file)), file).toEqual(expected);
      // one object filled again and again gives each path's own stat
      expect(outcome(() => lstatLight(file, reused)), file).toEqual(expected);
    }
    // If this fails, node's fs binding no longer matches light-lstat.ts: tt still works (fs.lstatSync), only slower.
    expect(lstatLightMode()).toBe('binding');
    // a missing path is not an error, anything else is, as with fs.lstatSync
    expect(lstatLight(path.join(dir, 'missing.md'))).toBeUndefined();
    expect(outcome(() => lstatLight(path.join(dir, 'task.md', 'below-a-file.md')))).toEqual({ error: 'ENOTDIR' });
    expect(outcome(() => lstatLight(path.join(dir, 'n'.repeat(300))))).toEqual({ error: 'ENAMETOOLONG' });
    // a NUL is refused as fs.lstatSync refuses it, never cut short at the NUL (which would stat the folder)
    expect(() => lstatLight(`${dir}\0/task.md`)).toThrow(/null bytes/);
  });

  it('sees an edit in place that put size and mtime back: ctime moved', async () => {
    const { lstatLight } = await freshModule();
    const file = path.join(tempRepo(), 'task.md');
    writeFileSync(file, 'one');
    const second = new Date(Math.floor(Date.now() / 1000) * 1000); // a time utimes can put back exactly
    utimesSync(file, second, second);
    const before = lstatSync(file);
    lstatLight(file); // the first stat decides binding or fs
    writeFileSync(file, 'two');
    utimesSync(file, before.atime, before.mtime);
    const after = lstatLight(file)!;
    expect([after.size, after.mtimeMs, after.ino]).toEqual([before.size, before.mtimeMs, before.ino]);
    expect(after.ctimeMs).toBe(lstatSync(file).ctimeMs);
    expect(after.ctimeMs).not.toBe(before.ctimeMs);
  });

  it.each([
    ['NODE_PENDING_DEPRECATION=1', 'NODE_PENDING_DEPRECATION', '1'],
    ['--pending-deprecation in NODE_OPTIONS', 'NODE_OPTIONS', '--max-old-space-size=512 --pending-deprecation'],
  ])('falls back to fs.lstatSync with %s (node would warn about process.binding), with the same answers', async (_, name, value) => {
    vi.stubEnv(name, value);
    const { lstatLight, lstatLightMode } = await freshModule();
    const dir = tempRepo();
    for (const file of corpus(dir)) {
      expect(outcome(() => lstatLight(file)), file).toEqual(outcome(() => lstatSync(file, { throwIfNoEntry: false })));
    }
    expect(lstatLightMode()).toBe('fs');
  });

  it('lets tt print no deprecation warning where node would print one, and list the same tasks', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    for (const title of ['One', 'Two']) expect((await tt(dir, ['backlog', 'add', title])).code).toBe(0);
    const plain = await ttProcess(dir, ['task', 'list', '--json']);
    expect(plain.code, plain.stderr).toBe(0);
    for (const env of [{ NODE_PENDING_DEPRECATION: '1' }, { NODE_OPTIONS: '--pending-deprecation' }]) {
      const run = await ttProcess(dir, ['task', 'list', '--json'], env);
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe(plain.stdout);
    }
    expect(plain.json<{ tasks: unknown[] }>().tasks).toHaveLength(2);
  });
});
