/**
 * Local run-time state lives in the git directory (DESIGN §1, "Trust model"):
 * no commit can place a file there. An older town's `.tinytown/run/` is moved
 * in once; one that a collaborator committed is data, never acted on.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bareRemote, cloneOf } from '../helpers/clones.js';
import { commitPaths, git, stateDir, tempRepo } from '../helpers/repo.js';
import { townWithTeam, tt } from '../helpers/tt.js';

const RUN = '.tinytown/run';

describe('local state', () => {
  it('lives in .git/tinytown: nothing of it in the work tree, nothing for git status', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    expect((await tt(dir, ['send', 'backend', 'hello'])).code).toBe(0);
    expect((await tt(dir, ['status', '--json'])).code).toBe(0);
    expect(existsSync(path.join(dir, RUN))).toBe(false);
    expect(readdirSync(stateDir(dir))).toEqual(expect.arrayContaining(['last-commit', 'pending']));
    expect(git(dir, 'status', '--porcelain', '--ignored', '--', '.tinytown')).toBe('');
  });

  it('moves an older town\'s untracked .tinytown/run/ in once (states, logs, unfinished commits) and never reads it again', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    // What an older tt left: a log, an agent's state, and a change journaled but not committed.
    mkdirSync(path.join(dir, RUN, 'logs'), { recursive: true });
    writeFileSync(path.join(dir, RUN, 'logs', 'backend.log'), 'round 1 succeeded\n');
    mkdirSync(path.join(dir, RUN, 'agents'), { recursive: true });
    writeFileSync(path.join(dir, RUN, 'agents', 'backend.json'), JSON.stringify({ state: 'stopped', rounds: 7 }));
    const note = '.tinytown/inbox/backend/20261201T100000000Z-abcdef.md';
    writeFileSync(path.join(dir, note), '---\nid: 20261201T100000000Z-abcdef\nfrom: conductor\nto: backend\ntype: info\ntask: null\nurgent: false\ncreated: "2026-12-01T10:00:00.000Z"\nreply_to: null\n---\nleft by an older tt\n');
    mkdirSync(path.join(dir, RUN, 'pending'), { recursive: true });
    writeFileSync(path.join(dir, RUN, 'pending', '20261201T100000001Z-aaaaaa.json'), JSON.stringify({
      paths: [note], created: [note], subject: 'tt(conductor): send to backend: left by an older tt', trailers: [['Tinytown-Action', 'send'], ['Tinytown-Agent', 'conductor']], author: 'conductor',
    }));
    writeFileSync(path.join(dir, RUN, 'lock-junk'), 'disposable');

    const status = await tt(dir, ['status', '--deep', '--json']);
    expect(status.code).toBe(0);
    expect(existsSync(path.join(dir, RUN))).toBe(false);
    expect(readFileSync(path.join(stateDir(dir), 'logs', 'backend.log'), 'utf8')).toBe('round 1 succeeded\n');
    const backend = status.json<{ agents: Array<{ name: string; runtime: { rounds: number } }> }>().agents.find((a) => a.name === 'backend');
    expect(backend?.runtime.rounds).toBe(7);
    // The next write commits the journaled change first.
    expect((await tt(dir, ['send', 'frontend', 'hi'])).code).toBe(0);
    expect(git(dir, 'log', '--format=%s', '-2').trim().split('\n')).toEqual(['tt(conductor): send to frontend: hi', 'tt(conductor): send to backend: left by an older tt']);
  });

  it('a collaborator\'s committed run/ files are data: no unstaged file committed, nothing written outside, doctor reports them', async () => {
    const remote = bareRemote();
    const attacker = tempRepo();
    await townWithTeam(attacker);
    git(attacker, 'remote', 'add', 'origin', remote);
    git(attacker, 'push', '-q', '-u', 'origin', 'main');
    const victim = cloneOf(remote, 'Victim');
    expect((await tt(victim, ['init'])).code).toBe(0);
    writeFileSync(path.join(victim, 'code.txt'), 'committed\n');
    git(victim, 'add', 'code.txt');
    git(victim, 'commit', '-q', '-m', 'code');

    // The attack: a journal naming the victim's code, a notice naming a folder far outside, a symlink out.
    const outside = path.join(tmpdir(), `tt-outside-${process.pid}-${Date.now()}`);
    writeFileSync(outside, 'untouched\n');
    mkdirSync(path.join(attacker, RUN, 'pending'), { recursive: true });
    writeFileSync(path.join(attacker, RUN, 'pending', '20261201T100000000Z-zzzzzz.json'), JSON.stringify({
      paths: ['code.txt'], created: [], subject: 'tt(reviewer): approve t-aaaaaa: fine', trailers: [['Tinytown-Action', 'approve'], ['Tinytown-Agent', 'reviewer'], ['Reviewed-by', 'reviewer']], author: 'reviewer',
    }));
    mkdirSync(path.join(attacker, RUN, 'merge-notices'), { recursive: true });
    writeFileSync(path.join(attacker, RUN, 'merge-notices', 'x.json'), JSON.stringify({ task: 't-aaaaaa', title: 'x', winner: 'backend', loser: '../../../..', winnerClaimed: 'x', loserClaimed: 'y' }));
    symlinkSync(outside, path.join(attacker, RUN, 'last-commit'));
    git(attacker, 'add', '-f', RUN);
    git(attacker, 'commit', '-q', '-m', 'helpful files');
    git(attacker, 'push', '-q');

    git(victim, 'pull', '-q', '--no-rebase', '--no-edit');
    writeFileSync(path.join(victim, 'code.txt'), 'my unstaged work\n');
    expect((await tt(victim, ['send', 'backend', 'hello'])).code).toBe(0);
    expect((await tt(victim, ['sync'])).code).toBe(0);

    expect(git(victim, 'status', '--porcelain', '--', 'code.txt').trim()).toBe('M code.txt');
    expect(git(victim, 'log', '--format=%an %s', '-1', '--', 'code.txt').trim()).toBe('Victim code');
    expect(commitPaths(victim, 'HEAD~1').every((file) => file.startsWith('.tinytown/'))).toBe(true);
    expect(readFileSync(outside, 'utf8')).toBe('untouched\n');
    expect(existsSync(path.join(victim, RUN, 'pending', '20261201T100000000Z-zzzzzz.json'))).toBe(true); // left as it is
    const doctor = (await tt(victim, ['doctor', '--json'])).json<{ findings: Array<{ kind: string }> }>();
    expect(doctor.findings.map((f) => f.kind)).toContain('tracked-run');
  });
});
