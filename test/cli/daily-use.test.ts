/** What a newcomer hits in the first hour (issue 20): each finding, fixed, with the behaviour a user expects. */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { git, tempRepo, trailersOf } from '../helpers/repo.js';
import { TT_BIN, townWithTeam, tt, ttProcess } from '../helpers/tt.js';

/** script(1) (util-linux) runs a command on a real pseudo-terminal. */
const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

describe('daily use', () => {
  let dir: string;
  beforeEach(async () => {
    dir = tempRepo();
    await townWithTeam(dir);
  });

  it('tt backlog claim sends the new assignee its task, in the claim\'s commit', async () => {
    const id = (await tt(dir, ['backlog', 'add', 'Write the deployment guide', '--json'])).json<{ task: { id: string } }>().task.id;
    expect((await tt(dir, ['backlog', 'claim', id, 'backend'])).code).toBe(0);
    expect(trailersOf(dir)['Tinytown-Action']).toEqual(['claim']);
    expect(trailersOf(dir)['Tinytown-Message']).toHaveLength(1);
    const inbox = (await tt(dir, ['inbox', 'backend', '--json'])).json<{ messages: Array<{ type: string; task: string; body: string }> }>();
    expect(inbox.messages).toEqual([expect.objectContaining({ type: 'task_assign', task: id, body: 'Write the deployment guide\n' })]);
  });

  it('tt task list --state refuses a state that does not exist, naming the real ones', async () => {
    const run = await tt(dir, ['task', 'list', '--state', 'bogus']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown task state "bogus": use pending, assigned, running, review, completed, failed, cancelled');
    expect((await tt(dir, ['task', 'list', '--state', 'pending,review'])).code).toBe(0);
  });

  it('tt status --deep shows per agent the newest 3 unread subjects and a count, and explains the states', async () => {
    for (let i = 1; i <= 25; i++) await tt(dir, ['send', 'backend', `message ${String(i).padStart(2, '0')}\n\nwith a body that is not shown`]);
    const run = await tt(dir, ['status', '--deep']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('backend: 25 unread; the newest 3:');
    expect(run.stdout).toMatch(/from conductor \(task\): message 25\n.*message 24\n.*message 23\n  … tt inbox backend shows all 25/);
    expect(run.stdout).not.toContain('message 22');
    expect(run.stdout).not.toContain('with a body');
    expect(run.stdout).toMatch(/cold +registered, never started here/);
    expect(run.stdout.split('\n').length).toBeLessThan(40);
  });

  it('tt spawn of an existing agent says it exists (whatever its CLI), and a new agent\'s inbox folder exists at once', async () => {
    const again = await tt(dir, ['spawn', 'backend', '--cli', 'no-such-cli']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('agent "backend" already exists');
    expect((await tt(dir, ['spawn', 'qa', '--no-start'])).code).toBe(0);
    expect(statSync(path.join(dir, '.tinytown', 'inbox', 'qa')).isDirectory()).toBe(true);
  });

  it('tt --version --json prints the version as a JSON document', async () => {
    const run = await tt(dir, ['--version', '--json']);
    expect(run.code).toBe(0);
    expect(run.json()).toEqual({ schemaVersion: 1, kind: 'version', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it('tt conductor --cli scripted says the scripted agent has no interactive mode, instead of crashing', async () => {
    const run = await tt(dir, ['conductor', '--cli', 'scripted']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^tt: the scripted CLI has no interactive mode for the conductor to talk to; the context is in .*conductor-context\.md/);
  });

  it('a hand edit the watcher refused is not shown as the town\'s state: task list and task show show the committed version and say why', async () => {
    const id = (await tt(dir, ['backlog', 'add', 'Write the guide', '--json'])).json<{ task: { id: string } }>().task.id;
    const file = path.join(dir, '.tinytown', 'tasks', `${id}.md`);
    writeFileSync(file, readFileSync(file, 'utf8').replace('state: pending', 'state: completed'));
    expect((await tt(dir, ['watch', '--once'])).code).toBe(1);
    expect(readFileSync(file, 'utf8')).toContain('state: completed'); // left as it was
    expect((await tt(dir, ['task', 'list', '--state', 'completed', '--json'])).json<{ tasks: unknown[] }>().tasks).toEqual([]);
    for (const args of [['task', 'list', '--json'], ['task', 'list', '--state', 'pending', '--json']]) {
      const list = await tt(dir, args);
      expect(list.json<{ tasks: Array<{ id: string; state: string }> }>().tasks.find((t) => t.id === id)?.state, args.join(' ')).toBe('pending');
      expect(list.stderr).toContain('holds a hand edit tt refused');
    }
    const show = await tt(dir, ['task', 'show', id]);
    expect(show.stdout).toMatch(/state: +pending/);
    expect(show.stderr).toContain('showing the committed version');
  });

  it('tt doctor calls a refused hand edit what it is, not an edit waiting to be taken in', async () => {
    const id = (await tt(dir, ['backlog', 'add', 'Write the guide', '--json'])).json<{ task: { id: string } }>().task.id;
    const file = path.join(dir, '.tinytown', 'tasks', `${id}.md`);
    writeFileSync(file, readFileSync(file, 'utf8').replace('state: pending', 'state: completed'));
    const before = (await tt(dir, ['doctor', '--json'])).json<{ findings: Array<{ kind: string; file: string; message: string }> }>();
    expect(before.findings.find((f) => f.file === `.tinytown/tasks/${id}.md`)?.message).toMatch(/changed by hand and not committed/);
    expect((await tt(dir, ['watch', '--once'])).code).toBe(1);
    const after = (await tt(dir, ['doctor', '--json'])).json<{ findings: Array<{ kind: string; file: string; message: string }> }>();
    const finding = after.findings.find((f) => f.file === `.tinytown/tasks/${id}.md`);
    expect(finding?.kind).toBe('uncommitted');
    expect(finding?.message).toMatch(/^a hand edit tt refused \(tt watch told the conductor why\): tt shows the committed version; undo the edit/);
  });

  it('tt prune --all keeps agents that hold tasks or unread mail, naming them; after --force, tt reclaim --from still finds their work', async () => {
    const id = (await tt(dir, ['assign', 'backend', 'Build the API', '--json'])).json<{ task: { id: string } }>().task.id;
    await tt(dir, ['send', 'reviewer', 'look at the API when it lands']);
    const head = git(dir, 'rev-parse', 'HEAD');
    const refused = await tt(dir, ['prune', '--all']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`not pruned: backend (tasks ${id}, 1 unread message(s)); reviewer (1 unread message(s)) still hold work`);
    expect(refused.stderr).toContain('tt reclaim --from backend');
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(head); // nothing pruned, not even frontend
    expect((await tt(dir, ['prune', '--all', '--force'])).code).toBe(0);
    expect((await tt(dir, ['status', '--json'])).json<{ agents: Array<{ name: string }> }>().agents.map((a) => a.name)).toEqual(['conductor']);
    const reclaimed = await tt(dir, ['reclaim', '--from', 'backend', '--to-backlog']);
    expect(reclaimed.code, reclaimed.stderr).toBe(0);
    expect((await tt(dir, ['task', 'show', id, '--json'])).json<{ task: { state: string; assignee: string | null } }>().task).toMatchObject({ state: 'pending', assignee: null });
  });

  it('tt task list is a table with a header row, tags and relative times; the JSON keeps ISO times', async () => {
    await tt(dir, ['assign', 'backend', 'Build the API', '--tags', 'api,backend', '--priority', 'high']);
    const run = await tt(dir, ['task', 'list']);
    const [header, row] = run.stdout.split('\n');
    expect(header).toMatch(/^ID +STATE +WHO +PRIORITY +TAGS +UPDATED +TITLE$/);
    expect(row).toMatch(/^t-[0-9a-z]{6} +assigned +backend +high +api,backend +just now +Build the API$/);
    expect(run.stdout).not.toContain('\x1b['); // not a terminal: no colour
    const json = (await tt(dir, ['task', 'list', '--json'])).json<{ tasks: Array<{ updated: string }> }>();
    expect(json.tasks[0]!.updated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('tt status --help explains the agent states, cold among them', async () => {
    const run = await tt(dir, ['status', '--help']);
    expect(run.code).toBe(0);
    const text = run.stdout.replace(/\s+/g, ' '); // yargs wraps the description to the terminal's width
    for (const state of ['idle', 'working', 'error', 'stuck']) expect(text).toContain(`${state} = `);
    expect(text).toContain('cold = registered, never started here');
  });

  it.skipIf(!hasScript)('colours states for a terminal (a real pty through script(1)), never with NO_COLOR or when piped', async () => {
    await tt(dir, ['assign', 'backend', 'Build the API']);
    const onTerminal = (env: Record<string, string>) => spawnSync('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(TT_BIN)} task list`, '/dev/null'], {
      cwd: dir, encoding: 'utf8', env: { ...process.env, TERM: 'xterm', NO_COLOR: undefined, ...env }, timeout: 60_000,
    });
    const coloured = onTerminal({});
    expect(coloured.status).toBe(0);
    expect(coloured.stdout).toContain('\x1b[36massigned\x1b[39m');
    expect(onTerminal({ NO_COLOR: '1' }).stdout).not.toContain('\x1b[');
    expect((await ttProcess(dir, ['task', 'list'], { TERM: 'xterm' })).stdout).not.toContain('\x1b[');
  }, 90_000);

  it('a usage error names the missing argument and points to the command\'s own help', async () => {
    const run = await tt(dir, ['send', 'backend']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('tt: tt send needs <message>, the text (quote it) (tt send --help shows the usage)\n');
    expect((await tt(dir, ['task', 'list', '--bogus'])).stderr).toContain('(tt task list --help shows the usage)');
  });

  it('tt spawn --role with a role tt has no instructions for says so, and what to edit', async () => {
    const run = await tt(dir, ['spawn', 'qa', '--role', 'nosuchrole', '--no-start']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('note: tt has no instructions for the role "nosuchrole" (it knows conductor, researcher, reviewer, tester, worker)');
    expect(run.stderr).toContain('.tinytown/agents/qa.md');
    expect((await tt(dir, ['spawn', 'qa2', '--role', 'tester', '--no-start'])).stderr).toBe('');
  });

  it('a hand edit assigned → running taken in by tt watch gets its started time, as tt task start would', async () => {
    const id = (await tt(dir, ['assign', 'backend', 'Build it', '--json'])).json<{ task: { id: string } }>().task.id;
    const file = path.join(dir, '.tinytown', 'tasks', `${id}.md`);
    writeFileSync(file, readFileSync(file, 'utf8').replace('state: assigned', 'state: running'));
    expect((await tt(dir, ['watch', '--once'])).code).toBe(0);
    const task = (await tt(dir, ['task', 'show', id, '--json'])).json<{ task: { state: string; started: string | null } }>().task;
    expect(task.state).toBe('running');
    expect(task.started).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(git(dir, 'status', '--porcelain', '--', '.tinytown')).toBe('');
  });
});
