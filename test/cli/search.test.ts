/** tt search and tt completion (issue 20, item 2). */
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { laterAsync } from '../helpers/later.js';
import { tempRepo, treeSnapshot } from '../helpers/repo.js';
import { townWithTeam, tt } from '../helpers/tt.js';
import { waitFor } from '../helpers/wait.js';

interface Hit { kind: 'task' | 'message'; id: string; path: string; field?: string; snippet: string; read?: boolean; to?: string; from?: string }
interface SearchDoc { kind: string; query: string; matches: { tasks: number; messages: number }; limit: number; results: Hit[] }

describe('tt search', () => {
  let dir: string;
  const ids: Record<string, string> = {};
  beforeEach(async () => {
    dir = tempRepo();
    await townWithTeam(dir);
    const make = async (name: string, args: string[]) => {
      ids[name] = (await tt(dir, [...args, '--json'])).json<{ task: { id: string } }>().task.id;
    };
    await make('login', ['assign', 'backend', 'Fix the LOGIN timeout\n\nUsers are logged out after a minute.']);
    await make('docs', ['backlog', 'add', 'Write the deployment guide\n\nMention the login page too.', '--priority', 'urgent']);
    await make('failed', ['assign', 'frontend', 'Port the settings page']);
    await tt(dir, ['task', 'fail', ids.failed!, '--reason', 'The Login service was down'], { TINYTOWN_AGENT: 'frontend' });
    await tt(dir, ['send', 'reviewer', 'Can you look at the login\tflow?']);
    await tt(dir, ['inbox', 'reviewer', '--mark-read'], { TINYTOWN_AGENT: 'reviewer' });
    await tt(dir, ['send', 'frontend', 'Nothing to see here']);
  });

  it('finds titles, descriptions, reasons and message bodies (read ones too), ignoring case, in a useful order', async () => {
    const before = treeSnapshot(dir);
    const run = await tt(dir, ['search', 'login', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const doc = run.json<SearchDoc>();
    expect(doc).toMatchObject({ kind: 'search', query: 'login', limit: 50 });
    const tasks = doc.results.filter((hit) => hit.kind === 'task');
    // the urgent one first, then the oldest
    expect(tasks.map((hit) => [hit.id, hit.field])).toEqual([[ids.docs, 'description'], [ids.login, 'title'], [ids.failed, 'result']]);
    expect(tasks[0]).toMatchObject({ path: `.tinytown/tasks/${ids.docs}.md`, snippet: 'Mention the login page too.' });
    const messages = doc.results.filter((hit) => hit.kind === 'message');
    // newest first: frontend's failure notice to the conductor, backend's and frontend's task mail, the read query
    expect(messages.map((hit) => hit.id)).toEqual([...messages.map((hit) => hit.id)].sort().reverse());
    const query = messages.find((hit) => hit.to === 'reviewer')!;
    expect(query).toMatchObject({ read: true, from: 'conductor', snippet: 'Can you look at the login\tflow?' });
    expect(query.path).toMatch(/^\.tinytown\/inbox\/reviewer\/read\/\d{8}T\d{9}Z-[0-9a-z]{6}\.md$/);
    expect(doc.matches).toEqual({ tasks: 3, messages: messages.length });
    expect(messages.length).toBeGreaterThanOrEqual(3);
    expect(doc.results.some((hit) => hit.snippet.includes('Nothing to see'))).toBe(false);
    // reading never changes the town
    expect(treeSnapshot(dir)).toBe(before);
  });

  it('--tasks, --messages, --state, --agent and --limit narrow it; an empty search and --state with --messages are refused', async () => {
    const kinds = async (...args: string[]) => (await tt(dir, ['search', 'LOGIN', ...args, '--json'])).json<SearchDoc>().results.map((hit) => hit.kind);
    expect(new Set(await kinds('--tasks'))).toEqual(new Set(['task']));
    expect(new Set(await kinds('--messages'))).toEqual(new Set(['message']));
    const failed = (await tt(dir, ['search', 'login', '--state', 'failed', '--json'])).json<SearchDoc>().results;
    expect(failed.map((hit) => hit.id)).toEqual([ids.failed]);
    const backend = (await tt(dir, ['search', 'login', '--agent', 'backend', '--json'])).json<SearchDoc>().results;
    expect(backend.filter((hit) => hit.kind === 'task').map((hit) => hit.id)).toEqual([ids.login]);
    expect(backend.filter((hit) => hit.kind === 'message').every((hit) => hit.to === 'backend' || hit.from === 'backend')).toBe(true);
    const limited = (await tt(dir, ['search', 'login', '--limit', '1', '--json'])).json<SearchDoc>();
    expect(limited.results.filter((hit) => hit.kind === 'task')).toHaveLength(1);
    expect(limited.matches.tasks).toBe(3);
    const text = await tt(dir, ['search', 'login', '--limit', '1']);
    expect(text.stdout).toContain('Tasks: 3 (1 of 3 — --limit 0 for all)');
    expect((await tt(dir, ['search', '  '])).code).toBe(2);
    expect((await tt(dir, ['search', 'x', '--state', 'failed', '--messages'])).code).toBe(2);
    expect((await tt(dir, ['search', 'x', '--state', 'bogus'])).stderr).toContain('unknown task state "bogus"');
    expect((await tt(dir, ['search', 'no such words anywhere'])).stdout).toBe('nothing found\n');
  });

  it('follows new, moved and edited records through its caches', async () => {
    const count = async (text: string) => (await laterAsync(() => tt(dir, ['search', text, '--json']))).json<SearchDoc>().matches;
    expect(await count('zebra')).toEqual({ tasks: 0, messages: 0 });
    expect(await count('zebra')).toEqual({ tasks: 0, messages: 0 });
    await tt(dir, ['send', 'backend', 'a zebra crossing']);
    expect(await count('zebra')).toEqual({ tasks: 0, messages: 1 });
    await tt(dir, ['inbox', 'backend', '--mark-read'], { TINYTOWN_AGENT: 'backend' });
    const moved = (await laterAsync(() => tt(dir, ['search', 'zebra', '--json']))).json<SearchDoc>().results;
    expect(moved).toEqual([expect.objectContaining({ read: true })]);
    const file = path.join(dir, '.tinytown', 'tasks', `${ids.login}.md`);
    writeFileSync(file, readFileSync(file, 'utf8').replace('logged out after a minute', 'logged out by a zebra'));
    expect(await count('zebra')).toEqual({ tasks: 1, messages: 1 });
    await tt(dir, ['task', 'edit', ids.docs!, '--title', 'Zebra docs']);
    expect(await count('zebra')).toEqual({ tasks: 2, messages: 1 });
  });

  it('shows a title and a reason edited by hand in place as they are now, though size and mtime were put back (the view keeps them)', async () => {
    const search = async () => (await laterAsync(() => tt(dir, ['search', 'login', '--tasks', '--json']))).json<SearchDoc & { results: Array<Hit & { title: string }> }>().results;
    const hit = (hits: Array<Hit & { title: string }>, id: string) => hits.find((h) => h.id === id)!;
    const files = [ids.login!, ids.failed!].map((id) => path.join(dir, '.tinytown', 'tasks', `${id}.md`));
    // whole seconds, so that utimes can put the mtime back exactly; then the view is cached with these stamps
    const seconds = Math.floor(Date.now() / 1000) - 60;
    for (const file of files) utimesSync(file, seconds, seconds);
    const before = await search();
    expect(hit(before, ids.login!)).toMatchObject({ title: 'Fix the LOGIN timeout', field: 'title', snippet: 'Fix the LOGIN timeout' });
    expect(hit(before, ids.failed!)).toMatchObject({ title: 'Port the settings page', field: 'result', snippet: 'The Login service was down' });
    const stamps = files.map((file) => statSync(file));
    // the same length, the same mtime: only ctime tells (repeated until it moved, at once on a nanosecond file system)
    await waitFor(() => {
      for (const file of files) {
        writeFileSync(file, readFileSync(file, 'utf8').replace('LOGIN timeout', 'Login Timeout').replace('The Login service', 'The LOGIN service'));
        utimesSync(file, seconds, seconds);
      }
      return files.every((file, i) => statSync(file).ctimeMs !== stamps[i]!.ctimeMs);
    }, { what: 'new ctimes' });
    files.forEach((file, i) => expect([statSync(file).size, statSync(file).mtimeMs]).toEqual([stamps[i]!.size, stamps[i]!.mtimeMs]));
    const after = await search();
    expect(hit(after, ids.login!)).toMatchObject({ title: 'Fix the Login Timeout', snippet: 'Fix the Login Timeout' });
    expect(hit(after, ids.failed!)).toMatchObject({ field: 'result', snippet: 'The LOGIN service was down' });
  });
});

describe('tt completion', () => {
  let dir: string;
  beforeEach(async () => {
    dir = tempRepo();
    await townWithTeam(dir);
  });
  const words = async (cwd: string, before: string, current: string) => {
    const run = await tt(cwd, ['completion', `--words=${before}`, `--current=${current}`]);
    expect(run.code).toBe(0);
    return run.stdout.split('\n').filter(Boolean);
  };

  it('prints a script for bash, zsh and fish that asks tt for the words, and refuses another shell', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const run = await tt(dir, ['completion', shell]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('tt completion --words=');
    }
    expect((await tt(dir, ['completion', 'bash'])).stdout).toContain('complete -o default -F _tt_complete tt');
    expect((await tt(dir, ['completion'], { SHELL: '/usr/bin/zsh' })).stdout).toContain('compdef _tt tt');
    const bad = await tt(dir, ['completion', 'tcsh']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('use bash, zsh, fish');
  });

  it('completes commands, subcommands, options, choices, agent names and task ids', async () => {
    const id = (await tt(dir, ['assign', 'backend', 'Build the API', '--json'])).json<{ task: { id: string } }>().task.id;
    expect(await words(dir, '', 'se')).toEqual(['send', 'search']);
    expect(await words(dir, 'task', 're')).toEqual(['requeue', 'edit', 'reassign'].filter((w) => w.startsWith('re')));
    expect(await words(dir, 'task', '')).toEqual(expect.arrayContaining(['list', 'show', 'edit', 'reassign']));
    expect(await words(dir, 'task list', '--t')).toEqual(['--tag', '--town']);
    expect(await words(dir, 'task edit x', '--priority=h')).toEqual(['--priority=high']);
    expect(await words(dir, 'task edit x --priority', '')).toEqual(['low', 'normal', 'high', 'urgent']);
    expect(await words(dir, 'send', 'b')).toEqual(['backend']);
    expect(await words(dir, 'send --urgent', '')).toEqual(expect.arrayContaining(['backend', 'conductor', 'frontend', 'reviewer', 'supervisor']));
    expect(await words(dir, 'task reassign', '')).toEqual([id]);
    expect(await words(dir, `task reassign ${id}`, 'fr')).toEqual(['frontend']);
    expect(await words(dir, 'inbox --as', 're')).toEqual(['reviewer']);
    expect(await words(dir, 'nosuch', '')).toEqual([]);
    // outside a town: commands still, no agents, no error
    const bare = tempRepo();
    expect(await words(bare, '', 'ini')).toEqual(['init']);
    expect(await words(bare, 'send', '')).toEqual([]);
  });
});
