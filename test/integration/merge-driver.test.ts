/**
 * The town merge driver under real git: registration by tt init (fresh town,
 * existing .gitattributes, fresh clone), and merges of town files edited on
 * two clones through a plain `git pull --no-rebase`.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MERGED_BODY_MARKER } from '../../src/core/merge.js';
import { formatTask, parseTask } from '../../src/store/records.js';
import type { Task } from '../../src/core/types.js';
import { bareRemote, cloneOf, filesWithConflictMarkers } from '../helpers/clones.js';
import { commitCount, git, tempRepo } from '../helpers/repo.js';
import { TT_BIN, townWithTeam, tt } from '../helpers/tt.js';

const NOTICES = '.git/tinytown/merge-notices';

async function twoClones(): Promise<{ a: string; b: string; remote: string }> {
  const remote = bareRemote();
  const a = tempRepo();
  await townWithTeam(a);
  git(a, 'remote', 'add', 'origin', remote);
  git(a, 'push', '-q', '-u', 'origin', 'main');
  const b = cloneOf(remote, 'Clone B');
  const init = await tt(b, ['init', '--json']);
  expect(init.code, init.stderr).toBe(0);
  return { a, b, remote };
}

async function newTask(dir: string, args: string[]): Promise<string> {
  const run = await tt(dir, [...args, '--json']);
  expect(run.code, run.stderr).toBe(0);
  return run.json<{ task: { id: string } }>().task.id;
}

/** A hand edit of a task, committed with plain git, as a person would. */
function editTask(dir: string, id: string, change: (task: Task) => Task): void {
  const file = `.tinytown/tasks/${id}.md`;
  const task = parseTask(readFileSync(path.join(dir, file), 'utf8'), file);
  writeFileSync(path.join(dir, file), formatTask(change(task)));
  git(dir, 'commit', '-q', '-m', `edit ${id}`, '--', file);
}

function readTaskFile(dir: string, id: string): { text: string; task: Task } {
  const file = `.tinytown/tasks/${id}.md`;
  const text = readFileSync(path.join(dir, file), 'utf8');
  return { text, task: parseTask(text, file) };
}

function later(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}

describe('registration', () => {
  it('tt init appends the attribute to an existing .gitattributes, commits it with the town, sets the repo config, and never duplicates', async () => {
    const dir = tempRepo();
    writeFileSync(path.join(dir, '.gitattributes'), '*.png binary');
    git(dir, 'add', '.gitattributes');
    git(dir, 'commit', '-q', '-m', 'attributes');
    const init = await tt(dir, ['init']);
    expect(init.code, init.stderr).toBe(0);
    expect(readFileSync(path.join(dir, '.gitattributes'), 'utf8')).toBe('*.png binary\n.tinytown/** merge=tinytown\n');
    const initCommit = git(dir, 'show', '--name-only', '--format=', 'HEAD').split('\n').filter(Boolean);
    expect(initCommit).toContain('.gitattributes');
    expect(initCommit.filter((p) => p !== '.gitattributes').every((p) => p.startsWith('.tinytown/'))).toBe(true);
    const driver = git(dir, 'config', '--get', 'merge.tinytown.driver').trim();
    expect(driver).toBe(`NODE_EXTRA_CA_CERTS= '${process.execPath}' '${TT_BIN}' merge-driver %O %A %B %P`);
    expect(git(dir, 'check-attr', 'merge', '--', '.tinytown/tasks/t-aaaaaa.md').trim()).toBe('.tinytown/tasks/t-aaaaaa.md: merge: tinytown');

    const before = commitCount(dir);
    expect((await tt(dir, ['init'])).code).toBe(0);
    expect(commitCount(dir)).toBe(before);
    expect(readFileSync(path.join(dir, '.gitattributes'), 'utf8').match(/merge=tinytown/g)).toHaveLength(1);
    expect(git(dir, 'status', '--porcelain').trim()).toBe('');
  });

  it('a fresh clone lacks the repo config: tt doctor says so, tt init registers it again without a commit', async () => {
    const { remote } = await twoClones();
    const fresh = cloneOf(remote, 'Clone C');
    const doctor = await tt(fresh, ['doctor', '--json']);
    expect(doctor.code).toBe(1);
    const findings = doctor.json<{ findings: Array<{ kind: string; fix: string | null }> }>().findings;
    expect(findings.map((f) => f.kind)).toEqual(['merge-driver']);
    expect(findings[0]!.fix).toBeTruthy();
    const before = commitCount(fresh);
    const init = await tt(fresh, ['init', '--json']);
    expect(init.json()).toMatchObject({ kind: 'town', created: false });
    expect(commitCount(fresh)).toBe(before);
    expect((await tt(fresh, ['doctor'])).code).toBe(0);
    // --fix does the same for a clone whose config was lost.
    git(fresh, 'config', '--unset', 'merge.tinytown.driver');
    expect((await tt(fresh, ['doctor', '--fix'])).code).toBe(0);
    expect(git(fresh, 'config', '--get', 'merge.tinytown.driver')).toContain('merge-driver');
  });
});

describe('merging town files edited on two clones (plain git pull)', () => {
  it('merges the same task field by field, keeps both bodies marked, stays canonical, and tt doctor reports the merged body', async () => {
    const { a, b } = await twoClones();
    const id = await newTask(a, ['assign', 'backend', 'Build the API']);
    git(a, 'push', '-q');
    git(b, 'pull', '-q', '--no-rebase');
    // a: the worker starts it and writes notes; b: someone raises the priority and rewrites the text, later.
    expect((await tt(a, ['task', 'start', id], { TINYTOWN_AGENT: 'backend' })).code).toBe(0);
    editTask(a, id, (t) => ({ ...t, body: 'Build the API.\n\nNotes from backend: use Fastify.\n' }));
    const startedAt = readTaskFile(a, id).task.updated;
    editTask(b, id, (t) => ({ ...t, priority: 'urgent', tags: ['api'], body: 'Build the API before Friday.\n', updated: later(startedAt, 1000) }));
    git(a, 'push', '-q');
    const pull = git(b, 'pull', '--no-rebase', '--no-edit');
    expect(pull).not.toMatch(/CONFLICT/);
    const { text, task } = readTaskFile(b, id);
    expect(task).toMatchObject({ state: 'running', assignee: 'backend', priority: 'urgent', tags: ['api'], updated: later(startedAt, 1000) });
    expect(task.started).not.toBeNull();
    expect(text).toBe(formatTask(task));
    expect(task.body).toBe(`Build the API.\n\nNotes from backend: use Fastify.\n\n${MERGED_BODY_MARKER}\n\nBuild the API before Friday.\n`);
    expect(filesWithConflictMarkers(b)).toEqual([]);
    expect(git(b, 'status', '--porcelain').trim()).toBe('');
    const doctor = (await tt(b, ['doctor', '--json'])).json<{ findings: Array<{ kind: string; file: string }> }>().findings;
    expect(doctor).toEqual([expect.objectContaining({ kind: 'merged-body', file: `.tinytown/tasks/${id}.md` })]);
  });

  it('merges town.yml changed on both sides, key by key, keeping its comments', async () => {
    const { a, b } = await twoClones();
    expect((await tt(a, ['config', 'agent.max_rounds', '5'])).code).toBe(0);
    expect((await tt(b, ['config', 'agent.idle_timeout_s', '60'])).code).toBe(0);
    git(a, 'push', '-q');
    git(b, 'pull', '-q', '--no-rebase', '--no-edit');
    const config = readFileSync(path.join(b, '.tinytown/town.yml'), 'utf8');
    expect(config).toMatch(/max_rounds: 5\b/);
    expect(config).toMatch(/idle_timeout_s: 60\b/);
    expect(config).toContain('# false: write the files, never commit.');
    expect(filesWithConflictMarkers(b)).toEqual([]);
  });

  it('keeps the earlier of two claims, records a notice for the loser, and tt sync delivers it once', async () => {
    const { a, b } = await twoClones();
    const id = await newTask(a, ['backlog', 'add', 'The contested task']);
    git(a, 'push', '-q');
    git(b, 'pull', '-q', '--no-rebase');
    expect((await tt(a, ['backlog', 'claim', id, 'backend'])).code).toBe(0);
    expect((await tt(b, ['backlog', 'claim', id, 'frontend'])).code).toBe(0);
    git(a, 'push', '-q');
    git(b, 'pull', '-q', '--no-rebase', '--no-edit');
    expect(readTaskFile(b, id).task).toMatchObject({ state: 'assigned', assignee: 'backend' });
    const notices = readdirSync(path.join(b, NOTICES));
    expect(notices).toHaveLength(1);
    const notice = readFileSync(path.join(b, NOTICES, notices[0]!), 'utf8');
    expect(JSON.parse(notice)).toMatchObject({ task: id, winner: 'backend', loser: 'frontend' });

    const sync = await tt(b, ['sync', '--json']);
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.json<{ notices: Array<{ loser: string }> }>().notices).toEqual([expect.objectContaining({ task: id, winner: 'backend', loser: 'frontend' })]);
    expect(existsSync(path.join(b, NOTICES, notices[0]!))).toBe(false);
    const inbox = (await tt(b, ['inbox', 'frontend', '--json'])).json<{ messages: Array<{ type: string; task: string; body: string }> }>().messages;
    const told = inbox.filter((m) => m.task === id && m.type === 'info');
    expect(told).toHaveLength(1);
    expect(told[0]!.body).toContain('backend');
    // The same conflict merged again (another merge, another clone) names the same message: still one message.
    writeFileSync(path.join(b, NOTICES, notices[0]!), notice);
    const again = await tt(b, ['sync', '--json']);
    expect(again.json<{ notices: unknown[] }>().notices).toEqual([]);
    expect(readdirSync(path.join(b, NOTICES))).toEqual([]);
    expect((await tt(b, ['inbox', 'frontend', '--json'])).json<{ messages: Array<{ task: string; type: string }> }>().messages.filter((m) => m.task === id && m.type === 'info')).toHaveLength(1);
    // a, syncing, gets the message from the remote rather than deciding again.
    expect((await tt(a, ['sync'])).code).toBe(0);
    // frontend holds b's claim message (task_assign) and the one notice that it lost (info), nothing twice
    const frontend = (await tt(a, ['inbox', 'frontend', '--json'])).json<{ messages: Array<{ type: string }> }>().messages;
    expect(frontend.map((m) => m.type).sort()).toEqual(['info', 'task_assign']);
  });

  it('leaves a normal conflict, without markers, when a side does not parse', async () => {
    const { a, b } = await twoClones();
    const id = await newTask(a, ['assign', 'backend', 'Fragile']);
    git(a, 'push', '-q');
    git(b, 'pull', '-q', '--no-rebase');
    const file = `.tinytown/tasks/${id}.md`;
    writeFileSync(path.join(a, file), 'not a town file any more\n');
    git(a, 'commit', '-q', '-am', 'break it');
    git(a, 'push', '-q');
    editTask(b, id, (t) => ({ ...t, priority: 'high' }));
    const ours = readFileSync(path.join(b, file), 'utf8');
    expect(() => git(b, 'pull', '-q', '--no-rebase', '--no-edit')).toThrow();
    expect(git(b, 'diff', '--name-only', '--diff-filter=U').trim()).toBe(file);
    expect(readFileSync(path.join(b, file), 'utf8')).toBe(ours);
    expect(filesWithConflictMarkers(b)).toEqual([]);
    // tt sync meets the same conflict, stops, and passes on what the driver said.
    git(b, 'merge', '--abort');
    const sync = await tt(b, ['sync']);
    expect(sync.code).toBe(1);
    expect(sync.stderr).toContain(`stopped on conflicts in: ${file}`);
    expect(sync.stderr).toContain('no YAML frontmatter');
    expect(filesWithConflictMarkers(b)).toEqual([]);
  });

  it('leaves an ordinary conflict for a file it does not understand, never both sides glued together', async () => {
    const { a, b } = await twoClones();
    const file = '.tinytown/notes.txt';
    writeFileSync(path.join(a, file), 'shared line\n');
    git(a, 'add', file);
    git(a, 'commit', '-q', '-m', 'notes');
    git(a, 'push', '-q');
    git(b, 'pull', '-q', '--no-rebase');
    writeFileSync(path.join(a, file), 'their line\n');
    git(a, 'commit', '-q', '-am', 'theirs');
    git(a, 'push', '-q');
    writeFileSync(path.join(b, file), 'our line\n');
    git(b, 'commit', '-q', '-am', 'ours');
    expect(() => git(b, 'pull', '-q', '--no-rebase', '--no-edit')).toThrow();
    expect(git(b, 'diff', '--name-only', '--diff-filter=U').trim()).toBe(file);
    expect(readFileSync(path.join(b, file), 'utf8')).toBe('our line\n');
  });
});
