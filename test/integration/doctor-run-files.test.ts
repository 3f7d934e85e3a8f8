/**
 * tt doctor and run/: the temp file of a process killed mid-write, and the
 * caches of the inbox of an agent that no longer exists, are found and (with
 * --fix) deleted; a live process's temp file, a fresh one (its writer may have
 * just finished, or live in another pid namespace) and every cache still in
 * use (an agent's empty inbox has one too) are not.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, tempRepo } from '../helpers/repo.js';
import { laterAsync } from '../helpers/later.js';
import { townWithTeam, tt } from '../helpers/tt.js';

type Doctor = { healthy: boolean; findings: Array<{ kind: string; file: string | null; fixed: boolean }> };

const filesUnder = (dir: string, rel: string): string[] =>
  readdirSync(path.join(dir, rel), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();

describe('tt doctor: state files nothing will read again', () => {
  it('finds a dead writer\'s temp file and the caches of a removed agent\'s inbox, and --fix deletes only those', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    for (const agent of ['backend', 'frontend']) expect((await tt(dir, ['send', agent, `hello ${agent}`])).code).toBe(0);
    // Caches are written only for files that have settled: read as if a while later.
    await laterAsync(async () => {
      expect((await tt(dir, ['status', '--json'])).code).toBe(0);
      for (const agent of ['backend', 'frontend']) expect((await tt(dir, ['inbox', agent, '--all', '--json'])).code).toBe(0);
    });
    const cacheDir = '.git/tinytown/cache';
    const frontendCaches = filesUnder(dir, cacheDir).filter((file) => /(inbox|read)-frontend\.json$/.test(file));
    expect(frontendCaches.length).toBeGreaterThan(0);

    // The user removes frontend, and its mail, from the town with git.
    git(dir, 'rm', '-r', '-q', '.tinytown/inbox/frontend', '.tinytown/agents/frontend.md');
    git(dir, 'commit', '-q', '-m', 'drop frontend');
    expect(existsSync(path.join(dir, '.tinytown/inbox/frontend'))).toBe(false);
    const deadPid = spawnSync('true').pid!;
    const deadTemp = `${cacheDir}/parsed/inbox-backend.json.${deadPid}.k3f9qa.tmp`;
    const freshTemp = `${cacheDir}/parsed/read-backend.json.${deadPid}.m4n5p6.tmp`;
    const liveTemp = `${cacheDir}/parsed/tasks.json.${process.pid}.a1b2c3.tmp`;
    const agentTemp = '.git/tinytown/agents/backend.json.999999999.tmp';
    for (const file of [deadTemp, freshTemp, liveTemp, agentTemp]) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), '{"half":');
    }
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    for (const file of [deadTemp, liveTemp, agentTemp]) utimesSync(path.join(dir, file), twoMinutesAgo, twoMinutesAgo);

    const check = await tt(dir, ['doctor', '--json']);
    expect(check.code).toBe(1);
    const found = (kind: string) => check.json<Doctor>().findings.filter((f) => f.kind === kind).map((f) => f.file).sort();
    expect(found('stale-cache')).toEqual(frontendCaches);
    expect(found('temp-file')).toEqual([agentTemp, deadTemp].sort());
    const removed = [...found('stale-cache'), ...found('temp-file')];

    const before = filesUnder(dir, cacheDir);
    const fix = await tt(dir, ['doctor', '--fix', '--json']);
    expect(fix.code, fix.stdout).toBe(0);
    expect(fix.json<Doctor>().findings.every((f) => f.fixed)).toBe(true);
    expect(filesUnder(dir, cacheDir)).toEqual(before.filter((file) => !removed.includes(file)));
    for (const file of [liveTemp, freshTemp]) expect(existsSync(path.join(dir, file))).toBe(true);
    expect(existsSync(path.join(dir, agentTemp))).toBe(false);
    expect(git(dir, 'status', '--porcelain').trim()).toBe('');
    expect((await tt(dir, ['inbox', 'backend', '--json'])).json<{ messages: Array<{ body: string }> }>().messages.map((m) => m.body.trim())).toEqual(['hello backend']);
  });
});
