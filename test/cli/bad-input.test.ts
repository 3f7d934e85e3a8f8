import { readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempRepo, treeSnapshot } from '../helpers/repo.js';
import { townWithTeam, tt, ttProcess, type TtResult } from '../helpers/tt.js';

/** Runs a command that must fail and asserts that it changed nothing at all. */
async function refused(dir: string, args: string[], env: Record<string, string> = {}, run_ = tt): Promise<TtResult> {
  const before = treeSnapshot(dir);
  const run = await run_(dir, args, env);
  expect(run.code, `tt ${args.join(' ')} should fail`).not.toBe(0);
  expect(treeSnapshot(dir), `tt ${args.join(' ')} changed the tree`).toBe(before);
  return run;
}

describe('bad input gets a clear error and changes nothing', () => {
  let dir: string;
  let taskId: string;
  beforeEach(async () => {
    dir = tempRepo();
    await townWithTeam(dir);
    taskId = (await tt(dir, ['assign', 'backend', 'Build the API', '--json'])).json<{ task: { id: string } }>().task.id;
  });

  it('suggests the closest name for an unknown agent', async () => {
    const run = await refused(dir, ['send', 'bakend', 'hello']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('unknown agent "bakend"; did you mean "backend"?');
    expect((await refused(dir, ['assign', 'fronted', 'x'])).stderr).toContain('did you mean "frontend"');
    expect((await refused(dir, ['send', 'backend', 'x'], { TINYTOWN_AGENT: 'ghost' })).stderr).toContain('unknown acting agent "ghost"');
  });

  it.each([['../x'], ['x/y'], ['A_B'], [''], ['a'.repeat(33)]])('refuses the illegal name %j before touching a file', async (name) => {
    const spawn = await refused(dir, ['spawn', name]);
    expect(spawn.code).toBe(2);
    expect(spawn.stderr).toMatch(/illegal agent name/);
    const send = await refused(dir, ['send', name, 'hi']);
    expect(send.stderr).toMatch(/illegal|unknown agent/);
  });

  it('refuses an empty message and an empty task description', async () => {
    expect((await refused(dir, ['send', 'backend', '   '])).stderr).toContain('the message is empty');
    expect((await refused(dir, ['assign', 'backend', ''])).code).toBe(2);
  });

  it('refuses unknown and ambiguous task ids', async () => {
    expect((await refused(dir, ['task', 'start', 't-zzzzzz'])).stderr).toContain('no task matches "t-zzzzzz"');
    expect((await refused(dir, ['task', 'start', 'ab'])).code).toBe(2);
    // Make two tasks that share a 3-character prefix by writing a twin by hand.
    const twin = `${taskId.slice(0, 5)}${taskId[5] === 'a' ? 'b' : 'a'}`.padEnd(8, 'z').slice(0, 8);
    const original = path.join(dir, '.tinytown/tasks', `${taskId}.md`);
    writeFileSync(path.join(dir, '.tinytown/tasks', `${twin}.md`), readFileSync(original, 'utf8').replace(taskId, twin));
    const ambiguous = await refused(dir, ['task', 'start', taskId.slice(2, 5)]);
    expect(ambiguous.stderr).toContain('ambiguous');
  });

  it('names the current state when a transition is illegal', async () => {
    const run = await refused(dir, ['task', 'requeue', taskId]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot requeue ${taskId}: it is assigned`);
    expect((await refused(dir, ['approve', taskId, '--as', 'reviewer'])).stderr).toContain('it is assigned');
  });

  // The faces' error paths run the BUILT tt: the board and the MCP server are a separate part of the
  // bundle, and an error class that existed twice there would be reported as a bug in tt.
  it('refuses a bad --port for tt ui, and a port already taken when asked for (built tt)', async () => {
    for (const port of ['99999', '-1', '1.5']) {
      const run = await refused(dir, ['ui', '--port', port], {}, ttProcess);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--port must be a whole number from 0 to 65535');
    }
    const { createServer } = await import('node:net');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = String((taken.address() as { port: number }).port);
      const run = await refused(dir, ['ui', '--port', port], {}, ttProcess);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`tt: port ${port} on 127.0.0.1 is in use; pick another with --port, or --port 0 for any free one\n`);
      const json = await refused(dir, ['ui', '--port', port, '--json'], {}, ttProcess);
      expect(json.json()).toMatchObject({ kind: 'error', code: 'usage' });
    } finally {
      taken.close();
    }
  });

  it('tt ui and tt mcp outside a town say so, not "a bug in tt" (built tt)', async () => {
    const outside = tempRepo();
    const ui = await refused(outside, ['ui', '--port', '0', '--json'], {}, ttProcess);
    expect(ui.json()).toMatchObject({ kind: 'error', code: 'not_found', message: expect.stringMatching(/not inside a Tinytown town/) });
    expect(ui.stderr).not.toMatch(/bug/);
  });

  it('says which file is in the way when a file stands where a folder belongs (code io, never "a bug")', async () => {
    await tt(dir, ['send', 'backend', 'hello']);
    const read = path.join(dir, '.tinytown', 'inbox', 'backend', 'read');
    rmSync(read, { recursive: true, force: true });
    writeFileSync(read, 'not a folder\n');
    for (const args of [['doctor', '--json'], ['inbox', 'backend', '--mark-read', '--json']]) {
      const run = await refused(dir, args);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.json<{ code: string }>().code, args.join(' ')).not.toBe('bug');
      expect(run.stdout, args.join(' ')).toMatch(/inbox\/backend\/read/);
    }
  });

  it('refuses a message larger than a town file may be, naming the limit, before anything is written', async () => {
    const run = await refused(dir, ['send', 'backend', 'x'.repeat(1024 * 1024 + 1)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/would be \d+ bytes; a town file holds at most 1048576/);
    expect((await refused(dir, ['assign', 'backend', 'y'.repeat(2 * 1024 * 1024)])).stderr).toMatch(/at most 1048576/);
  });

  it('a change that cannot write all its files writes none: tt approve with the assignee\'s inbox made a symlink', async () => {
    const id = (await tt(dir, ['assign', 'backend', 'Build it', '--reviewer', 'reviewer', '--json'])).json<{ task: { id: string } }>().task.id;
    expect((await tt(dir, ['task', 'start', id, '--as', 'backend'])).code).toBe(0);
    expect((await tt(dir, ['review', id, '--as', 'backend'])).code).toBe(0);
    const elsewhere = tempRepo();
    const inbox = path.join(dir, '.tinytown', 'inbox', 'backend');
    rmSync(inbox, { recursive: true, force: true });
    symlinkSync(elsewhere, inbox);
    const run = await refused(dir, ['approve', id, '--as', 'reviewer']);
    expect(run.stderr).toMatch(/inbox\/backend is a symlink/);
    expect(readFileSync(path.join(dir, '.tinytown', 'tasks', `${id}.md`), 'utf8')).toMatch(/^state: review$/m);
    expect(readdirSync(elsewhere).filter((name) => /^\d{8}T/.test(name))).toEqual([]);
  });

  it('points to tt init outside a town', async () => {
    const outside = tempRepo();
    const run = await refused(outside, ['status']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('tt init');
  });

  it('keeps working around a damaged task file and names it', async () => {
    const damaged = path.join(dir, '.tinytown/tasks/t-bbbbbb.md');
    writeFileSync(damaged, '---\nid: t-bbbbbb\ntitle: [unclosed\n---\n');
    const list = await tt(dir, ['task', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(list.json<{ tasks: Array<{ id: string }> }>().tasks.map((t) => t.id)).toEqual([taskId]);
    expect(list.stderr).toContain('.tinytown/tasks/t-bbbbbb.md');
    const status = await tt(dir, ['status']);
    expect(status.code).toBe(0);
    expect(status.stderr).toContain('t-bbbbbb.md');
    expect((await tt(dir, ['task', 'start', taskId])).code).toBe(0);
    expect((await refused(dir, ['task', 'show', 't-bbbbbb'])).stderr).toMatch(/t-bbbbbb\.md.*YAML/);
  });

  it('uses exit code 2 and the JSON error envelope for usage errors', async () => {
    const missing = await tt(dir, ['send', 'backend', '--json']);
    expect(missing.code).toBe(2);
    expect(missing.json()).toMatchObject({ schemaVersion: 1, kind: 'error', code: 'usage' });
    const unknown = await tt(dir, ['task', 'start', 't-zzzzzz', '--json']);
    expect(unknown.code).toBe(1);
    expect(unknown.json()).toMatchObject({ schemaVersion: 1, kind: 'error', code: 'not_found' });
    expect((await tt(dir, ['frobnicate'])).code).toBe(2);
    expect((await tt(dir, ['assign', 'backend', 'x', '--priority', 'whenever'])).code).toBe(2);
  });
});

describe('the tt binary', () => {
  it('prints help and version, exits 0, and exits 2 on a typo', async () => {
    const dir = tempRepo();
    const help = await ttProcess(dir, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('tt send <to> <message>');
    expect((await ttProcess(dir, ['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+/);
    const typo = await ttProcess(dir, ['sned', 'x', 'y']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Did you mean send');
    const sendHelp = await ttProcess(dir, ['send', '--help']);
    expect(sendHelp.stdout).toContain('--urgent');
  });
});
