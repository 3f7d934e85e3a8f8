/**
 * The parsed-file cache under the local state folder's cache/parsed/ (src/store/record-cache.ts):
 * it must give exactly what reading the files gives, never be trusted over a
 * file that changed, and never fail a read because of what it holds.
 * Files are aged past the settle window with a fake clock (Date only): the
 * cache compares the real file times with the moment of reading.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempRepo } from '../helpers/repo.js';
import { townWithTeam, tt } from '../helpers/tt.js';
import { waitFor } from '../helpers/wait.js';
import { later, laterAsync } from '../helpers/later.js';
import { listTasks, listUnread } from '../../src/store/reader.js';
import { PARSED_CACHE_DIR } from '../../src/store/record-cache.js';
import { decodeHeader, type Header } from '../../src/store/cache-format.js';
import { racyWindowMs } from '../../src/store/stat-cache.js';

afterEach(() => {
  vi.useRealTimers();
});

function cacheFile(dir: string, name: string): string {
  return path.join(dir, '.git', 'tinytown', PARSED_CACHE_DIR, `${name}.json`);
}

/** The folder each cache file named here is the cache of. */
const CACHED_FOLDERS: Record<string, string> = { tasks: '.tinytown/tasks', 'inbox-backend': '.tinytown/inbox/backend' };

/** A cache file's header, or undefined when it is not a cache file. */
function cacheHeader(dir: string, name: string): Header | undefined {
  const bytes = readFileSync(cacheFile(dir, name));
  try {
    const read = (length: number, position: number) => {
      if (position + length > bytes.length) throw new Error('cut short');
      return bytes.subarray(position, position + length);
    };
    return decodeHeader({ read, readInto: (target, position) => read(target.length, position).copy(target) }, CACHED_FOLDERS[name]!)?.header;
  } catch {
    return undefined;
  }
}

/** The file names a cache file holds (from its header), or undefined when it is not a cache file. */
function cachedNames(dir: string, name: string): string[] | undefined {
  return cacheHeader(dir, name)?.names;
}

async function townWithMail(): Promise<{ dir: string; files: string[] }> {
  const dir = tempRepo();
  await townWithTeam(dir);
  for (const text of ['first message', 'second message', 'third message']) {
    expect((await tt(dir, ['send', 'backend', text])).code).toBe(0);
  }
  expect((await tt(dir, ['send', 'backend', 'an urgent one', '--urgent'])).code).toBe(0);
  const inbox = path.join(dir, '.tinytown', 'inbox', 'backend');
  return { dir, files: readdirSync(inbox).filter((name) => name.endsWith('.md')).map((name) => path.join(inbox, name)) };
}

/** Rewrites a file in place (same inode) with the same length. */
function editInPlace(file: string, from: string, to: string): void {
  expect(to).toHaveLength(from.length);
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
}

describe('the parsed-file cache', () => {
  it('gives back exactly what reading the files gives, for messages, tasks and damaged files', async () => {
    const { dir } = await townWithMail();
    await tt(dir, ['assign', 'backend', 'Build the API', '--reviewer', 'reviewer']);
    await tt(dir, ['backlog', 'add', 'Write docs', '--tags', 'docs,api']);
    writeFileSync(path.join(dir, '.tinytown', 'tasks', 't-zzzzzz.md'), '---\nid: t-zzzzzz\ntitle: [broken\n---\n');
    writeFileSync(path.join(dir, '.tinytown', 'inbox', 'backend', 'hand.md'), '---\nfrom: reviewer\nnote: kept as an extra key\n---\nHand-written\n');

    const cold = { unread: listUnread(dir, 'backend'), tasks: listTasks(dir) };
    expect(cold.tasks.problems).toHaveLength(1);
    const first = later(() => ({ unread: listUnread(dir, 'backend'), tasks: listTasks(dir) }));
    expect(cachedNames(dir, 'inbox-backend')).toHaveLength(6);
    expect(cachedNames(dir, 'tasks')).toHaveLength(3);
    const warm = later(() => ({ unread: listUnread(dir, 'backend'), tasks: listTasks(dir) }));
    expect(first).toEqual(cold);
    expect(warm).toEqual(cold);
  });

  it('keeps any file name a folder can hold (a newline, non-ASCII) with its stamp', async () => {
    const { dir, files } = await townWithMail();
    const odd = 'händ\nwritten.md';
    writeFileSync(path.join(dir, '.tinytown', 'inbox', 'backend', odd), readFileSync(files[0]!, 'utf8').replace(/\n---\n[^]*$/, '\n---\nA note with an odd name\n'));
    const cold = listUnread(dir, 'backend');
    expect(cold.problems).toEqual([]);
    expect(cold.items.map((m) => m.body)).toContain('A note with an odd name\n');
    const first = later(() => listUnread(dir, 'backend'));
    expect(cachedNames(dir, 'inbox-backend')).toContain(odd);
    expect(cachedNames(dir, 'inbox-backend')).toHaveLength(5);
    expect(later(() => listUnread(dir, 'backend'))).toEqual(first);
    expect(first).toEqual(cold);
  });

  it('reads a file again when it was edited with the same size and a different mtime', async () => {
    const { dir, files } = await townWithMail();
    later(() => listUnread(dir, 'backend'));
    const file = files.find((f) => readFileSync(f, 'utf8').includes('second message'))!;
    const before = statSync(file);
    editInPlace(file, 'second message', 'SECOND MESSAGE');
    utimesSync(file, before.atime, new Date(before.mtimeMs + 5_000));
    expect(statSync(file).size).toBe(before.size);
    const bodies = later(() => listUnread(dir, 'backend')).items.map((m) => m.body);
    expect(bodies).toContain('SECOND MESSAGE\n');
    expect(bodies).not.toContain('second message\n');
  });

  it('reads a file again when it was edited in place with its size and mtime put back (ctime moved)', async () => {
    const { dir, files } = await townWithMail();
    const file = files.find((f) => readFileSync(f, 'utf8').includes('third message'))!;
    // whole seconds, so that utimes can put the mtime back exactly
    const seconds = Math.floor(Date.now() / 1000) - 60;
    utimesSync(file, seconds, seconds);
    later(() => listUnread(dir, 'backend'));
    const before = statSync(file);
    // The edit must land on a later ctime than the cached one (at once on a nanosecond file system).
    await waitFor(() => {
      editInPlace(file, readFileSync(file, 'utf8').includes('third message') ? 'third message' : 'THIRD MESSAGE', 'THIRD MESSAGE');
      utimesSync(file, seconds, seconds);
      return statSync(file).ctimeMs !== before.ctimeMs;
    }, { what: 'a new ctime' });
    const after = statSync(file);
    expect([after.size, after.mtimeMs, after.ino]).toEqual([before.size, before.mtimeMs, before.ino]);
    expect(later(() => listUnread(dir, 'backend')).items.map((m) => m.body)).toContain('THIRD MESSAGE\n');
  });

  it('reads a file again when it was replaced by rename with the same size and mtime (new inode)', async () => {
    const { dir, files } = await townWithMail();
    const file = files.find((f) => readFileSync(f, 'utf8').includes('first message'))!;
    const seconds = Math.floor(Date.now() / 1000) - 60;
    utimesSync(file, seconds, seconds);
    later(() => listUnread(dir, 'backend'));
    const before = statSync(file);
    const temp = path.join(path.dirname(file), '.replacement.tmp');
    writeFileSync(temp, readFileSync(file, 'utf8').replace('first message', 'FIRST MESSAGE'));
    utimesSync(temp, seconds, seconds);
    renameSync(temp, file);
    expect([statSync(file).size, statSync(file).mtimeMs]).toEqual([before.size, before.mtimeMs]);
    expect(statSync(file).ino).not.toBe(before.ino);
    expect(later(() => listUnread(dir, 'backend')).items.map((m) => m.body)).toContain('FIRST MESSAGE\n');
  });

  it('does not cache a file changed within the settle window (racy git rule), then does once it has settled', async () => {
    const { dir, files } = await townWithMail();
    // the last message touched just now, so at least one file is inside the window however slow the sends were
    const now = new Date();
    utimesSync(files.at(-1)!, now, now);
    const readAt = Date.now();
    expect(listUnread(dir, 'backend').items).toHaveLength(4);
    // just written: what was still inside the window when it was read is not cached, even though the read succeeded
    // (on a loaded machine the first messages may have settled before the last was sent: those may be cached)
    const racy = files.filter((file) => Math.max(statSync(file).mtimeMs, statSync(file).ctimeMs) >= readAt - racyWindowMs(statSync(file).ctimeMs)).map((file) => path.basename(file));
    expect(racy).not.toEqual([]);
    const cachedEarly = existsSync(cacheFile(dir, 'inbox-backend')) ? cachedNames(dir, 'inbox-backend') ?? [] : [];
    expect(cachedEarly.filter((name) => racy.includes(name))).toEqual([]);
    later(() => listUnread(dir, 'backend'));
    expect(cachedNames(dir, 'inbox-backend')).toHaveLength(4);
  });

  it('ignores and rewrites a damaged, cut-short or foreign cache file', async () => {
    const { dir } = await townWithMail();
    const expected = listUnread(dir, 'backend');
    later(() => listUnread(dir, 'backend'));
    const good = readFileSync(cacheFile(dir, 'inbox-backend'));
    for (const bad of [Buffer.from('not a cache at all'), good.subarray(0, good.length - 10), Buffer.from(good.toString('utf8').replace('tinytown-parsed-', 'someone-else-')), Buffer.alloc(0)]) {
      writeFileSync(cacheFile(dir, 'inbox-backend'), bad);
      expect(later(() => listUnread(dir, 'backend'))).toEqual(expected);
      expect(cachedNames(dir, 'inbox-backend')).toHaveLength(4);
    }
  });

  it('never fails a read when the cache cannot be written, and never writes through a symlink', async () => {
    const { dir } = await townWithMail();
    const expected = listUnread(dir, 'backend');
    const cacheDir = path.join(dir, '.git', 'tinytown', PARSED_CACHE_DIR);
    rmSync(cacheDir, { recursive: true, force: true });
    mkdirSync(path.dirname(cacheDir), { recursive: true });
    writeFileSync(cacheDir, 'a file where the cache folder should be');
    expect(later(() => listUnread(dir, 'backend'))).toEqual(expected);
    rmSync(cacheDir);

    mkdirSync(cacheDir, { recursive: true });
    const outside = path.join(dir, 'outside.json');
    writeFileSync(outside, 'not yours\n');
    symlinkSync(outside, cacheFile(dir, 'inbox-backend'));
    expect(later(() => listUnread(dir, 'backend'))).toEqual(expected);
    expect(readFileSync(outside, 'utf8')).toBe('not yours\n');
  });

  it('rewrites a large cache only once enough of it changed, and reads the files it does not hold yet', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const inbox = path.join(dir, '.tinytown', 'inbox', 'backend');
    mkdirSync(inbox, { recursive: true });
    const writeMessage = (n: number) => {
      const id = `20261125T2120${String(n).padStart(5, '0')}Z-k3f9qa`;
      writeFileSync(path.join(inbox, `${id}.md`), [
        '---', `id: ${id}`, 'from: conductor', 'to: backend', 'type: info', 'task: null', 'urgent: false',
        'created: "2026-11-25T21:20:00.123Z"', 'reply_to: null', '---', `Message ${n}`, '',
      ].join('\n'));
    };
    for (let n = 0; n < 128; n++) writeMessage(n);
    expect(later(() => listUnread(dir, 'backend')).items).toHaveLength(128);
    const full = readFileSync(cacheFile(dir, 'inbox-backend'));
    expect(cachedNames(dir, 'inbox-backend')).toHaveLength(128);

    writeMessage(128);
    expect(later(() => listUnread(dir, 'backend')).items.map((m) => m.body)).toContain('Message 128\n');
    expect(readFileSync(cacheFile(dir, 'inbox-backend')).equals(full)).toBe(true);

    writeMessage(129);
    const listed = later(() => listUnread(dir, 'backend')).items;
    expect(listed).toHaveLength(130);
    expect(cachedNames(dir, 'inbox-backend')).toHaveLength(130);
  });

  it('lists a folder from the cache only while the folder\'s own stat is unchanged', async () => {
    const { dir } = await townWithMail();
    const inbox = path.join(dir, '.tinytown', 'inbox', 'backend');
    const seconds = Math.floor(Date.now() / 1000) - 60;
    utimesSync(inbox, seconds, seconds);
    later(() => listUnread(dir, 'backend'));
    // the listing is kept (its names are the cached ones: stored once)
    expect((cacheHeader(dir, 'inbox-backend') as { listing?: { names: string[] | null } }).listing).toMatchObject({ names: null });
    expect(later(() => listUnread(dir, 'backend')).items).toHaveLength(4);

    // a new file, with the folder's mtime put back: its ctime still moved
    const id = '20261125T212000999Z-zzzzzz';
    writeFileSync(path.join(inbox, `${id}.md`), [
      '---', `id: ${id}`, 'from: reviewer', 'to: backend', 'type: info', 'task: null', 'urgent: false',
      'created: "2026-11-25T21:20:00.999Z"', 'reply_to: null', '---', 'Slipped in', '',
    ].join('\n'));
    utimesSync(inbox, seconds, seconds);
    expect(later(() => listUnread(dir, 'backend')).items.map((m) => m.id)).toContain(id);
  });

  it('keeps values JSON cannot hold (YAML dates) exactly as the file says', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    mkdirSync(path.join(dir, '.tinytown', 'inbox', 'backend'), { recursive: true });
    const id = '20261125T212000123Z-k3f9qa';
    writeFileSync(path.join(dir, '.tinytown', 'inbox', 'backend', `${id}.md`), [
      '---', `id: ${id}`, 'from: reviewer', 'to: backend', 'type: info', 'task: null', 'urgent: false',
      'created: "2026-11-25T21:20:00.123Z"', 'reply_to: null', 'due: 2026-12-01', '---', 'By December', '',
    ].join('\n'));
    const cold = listUnread(dir, 'backend').items[0]!;
    expect(cold.extra.due).toBeInstanceOf(Date);
    later(() => listUnread(dir, 'backend'));
    expect(later(() => listUnread(dir, 'backend')).items[0]).toEqual(cold);
  });
});

// --limit 0: every unread message, the path that prints cached views (the default shows the newest 50, reading only those files)
describe('tt inbox --json --limit 0 from the cache', () => {
  async function inboxAll(dir: string): Promise<string> {
    const run = await tt(dir, ['inbox', '--all', '--json', '--limit', '0']);
    expect(run.code).toBe(0);
    return run.stdout;
  }

  it('prints byte for byte what the uncached command prints, and follows new, edited and removed messages', async () => {
    const { dir, files } = await townWithMail();
    await tt(dir, ['send', 'reviewer', 'for the reviewer', '--json']);
    const cold = await inboxAll(dir);
    const parsed = JSON.parse(cold) as { kind: string; inboxes: Array<{ agent: string; messages: Array<{ body: string; urgent: boolean }> }> };
    expect(parsed.kind).toBe('inboxes');
    expect(parsed.inboxes.map((inbox) => [inbox.agent, inbox.messages.length])).toEqual([['backend', 4], ['reviewer', 1]]);
    expect(parsed.inboxes[0]!.messages[0]!.urgent).toBe(true);
    // the same document as the generic envelope would print
    expect(cold).toBe(`${JSON.stringify(parsed, null, 2)}\n`);

    // twice: the first run stores the view, the second prints it
    expect(await laterAsync(() => inboxAll(dir))).toBe(cold);
    expect(await laterAsync(() => inboxAll(dir))).toBe(cold);
    const single = await laterAsync(() => tt(dir, ['inbox', 'backend', '--json', '--limit', '0']));
    expect((await laterAsync(() => tt(dir, ['inbox', 'backend', '--json', '--limit', '0']))).stdout).toBe(single.stdout);
    // both renderings of the unchanged inbox are kept side by side
    expect(cacheHeader(dir, 'inbox-backend')?.views.map(([id]) => id).sort()).toEqual(['messages-json-v1-depth-1', 'messages-json-v1-depth-3']);
    expect(await laterAsync(() => inboxAll(dir))).toBe(cold);
    expect(JSON.parse(single.stdout)).toEqual({ schemaVersion: 1, kind: 'inbox', agent: 'backend', unread: 4, messages: parsed.inboxes[0]!.messages });
    // the default (the newest 50) prints the same document here, read without the view
    expect((await tt(dir, ['inbox', 'backend', '--json'])).stdout).toBe(single.stdout);

    const file = files.find((f) => readFileSync(f, 'utf8').includes('first message'))!;
    const before = statSync(file);
    editInPlace(file, 'first message', 'first MESSAGE');
    utimesSync(file, before.atime, new Date(before.mtimeMs + 5_000));
    const edited = await laterAsync(() => inboxAll(dir));
    expect(edited).toBe(cold.replace('first message', 'first MESSAGE'));

    await tt(dir, ['send', 'backend', 'a fourth message']);
    const added = JSON.parse(await laterAsync(() => inboxAll(dir))) as typeof parsed;
    expect(added.inboxes[0]!.messages.map((m) => m.body)).toContain('a fourth message\n');

    rmSync(file);
    const removed = JSON.parse(await laterAsync(() => inboxAll(dir))) as typeof parsed;
    expect(removed.inboxes[0]!.messages).toHaveLength(4);
    expect(removed.inboxes[0]!.messages.map((m) => m.body)).not.toContain('first MESSAGE\n');
  });

  it('reports a damaged message on every run, also when the rest comes from the cache', async () => {
    const { dir } = await townWithMail();
    writeFileSync(path.join(dir, '.tinytown', 'inbox', 'backend', 'broken.md'), '---\nfrom: [nobody\n---\n');
    for (let run = 0; run < 3; run++) {
      const result = await laterAsync(() => tt(dir, ['inbox', '--all', '--json', '--limit', '0']));
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/warning: skipped \.tinytown\/inbox\/backend\/broken\.md:\d+: YAML error/);
      expect((JSON.parse(result.stdout) as { inboxes: Array<{ messages: unknown[] }> }).inboxes[0]!.messages).toHaveLength(4);
    }
  });

  it('prints tt task list --json from the cache byte for byte, follows task changes and reports misnamed files every time', async () => {
    const { dir } = await townWithMail();
    const ids: string[] = [];
    for (const [text, priority] of [['Build the API', 'normal'], ['Fix the login', 'urgent'], ['Write docs', 'low']] as const) {
      ids.push((await tt(dir, ['assign', 'backend', text, '--priority', priority, '--json'])).json<{ task: { id: string } }>().task.id);
    }
    writeFileSync(path.join(dir, '.tinytown', 'tasks', 't-zzzzzz.md'), readFileSync(path.join(dir, '.tinytown', 'tasks', `${ids[0]}.md`), 'utf8'));
    const list = async () => {
      const run = await tt(dir, ['task', 'list', '--json']);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/warning: skipped \.tinytown\/tasks\/t-zzzzzz\.md: field "id" is/);
      return run.stdout;
    };
    const cold = await list();
    const parsed = JSON.parse(cold) as { kind: string; tasks: Array<{ id: string; state: string }> };
    expect(parsed.kind).toBe('task-list');
    expect(parsed.tasks.map((task) => task.id)).toEqual([ids[1], ids[0], ids[2]]);
    expect(cold).toBe(`${JSON.stringify(parsed, null, 2)}\n`);
    expect(await laterAsync(() => list())).toBe(cold);
    expect(cacheHeader(dir, 'tasks')?.views.map(([id]) => id)).toEqual(['tasks-json-v1-depth-1']);
    expect(await laterAsync(() => list())).toBe(cold);

    await tt(dir, ['task', 'start', ids[0]!], { TINYTOWN_AGENT: 'backend' });
    const started = JSON.parse(await laterAsync(() => list())) as typeof parsed;
    expect(started.tasks.find((task) => task.id === ids[0])?.state).toBe('running');
    // a filter takes the records, not the view
    const running = (await tt(dir, ['task', 'list', '--state', 'running', '--json'])).json<typeof parsed>();
    expect(running.tasks.map((task) => task.id)).toEqual([ids[0]]);
  });
});

describe('the memo of inbox folders without hand-written mail', () => {
  const memoFile = (dir: string) => path.join(dir, '.git', 'tinytown', 'cache', 'scan-hand-written-mail.json');
  const remembered = (dir: string): string[] => (existsSync(memoFile(dir)) ? Object.keys((JSON.parse(readFileSync(memoFile(dir), 'utf8')) as { folders: object }).folders) : []);

  it('skips a folder scanned empty only while it is unchanged, and never one changed within the settle window', async () => {
    const { dir } = await townWithMail();
    const inbox = path.join(dir, '.tinytown', 'inbox', 'backend');
    expect((await tt(dir, ['inbox', 'backend', '--json'])).code).toBe(0);
    expect(remembered(dir)).toEqual([]); // just written: not settled
    // whole seconds, so that utimes can put the folder's mtime back exactly
    const seconds = Math.floor(Date.now() / 1000) - 60;
    utimesSync(inbox, seconds, seconds);
    expect((await laterAsync(() => tt(dir, ['inbox', 'backend', '--json']))).code).toBe(0);
    expect(remembered(dir)).toEqual(['.tinytown/inbox/backend']);

    // A hand-written file, with the folder's mtime put back: its ctime still moved.
    const before = statSync(inbox);
    writeFileSync(path.join(inbox, 'by-hand.md'), '---\nfrom: reviewer\n---\nWritten by hand.\n');
    utimesSync(inbox, seconds, seconds);
    expect(statSync(inbox).mtimeMs).toBe(before.mtimeMs);
    const run = await laterAsync(() => tt(dir, ['inbox', 'backend', '--json']));
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('by-hand.md');
    expect(run.json<{ messages: Array<{ body: string }> }>().messages.map((m) => m.body)).toContain('Written by hand.\n');
  });
});

