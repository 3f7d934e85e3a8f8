/**
 * DESIGN §1: a message written by hand into an inbox is taken in by any tt
 * command that reads that inbox, not only by `tt watch`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MESSAGE_ID_PATTERN } from '../../src/core/ids.js';
import { git, tempRepo, trailersOf } from '../helpers/repo.js';
import { tt, townWithTeam } from '../helpers/tt.js';

const inboxDir = (dir: string, agent: string) => path.join(dir, '.tinytown', 'inbox', agent);

describe('tt inbox takes in hand-written mail', () => {
  it('accepts a hand-named file before listing: filled in, renamed, committed by its sender', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    mkdirSync(inboxDir(dir, 'backend'), { recursive: true });
    writeFileSync(path.join(inboxDir(dir, 'backend'), 'fix-the-build.md'), '---\nfrom: reviewer\nurgent: true\n---\nPlease fix the build.\n');

    const inbox = await tt(dir, ['inbox', 'backend', '--json']);
    expect(inbox.code, inbox.stderr).toBe(0);
    const messages = inbox.json<{ messages: Array<{ id: string; from: string; urgent: boolean; body: string }> }>().messages;
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ from: 'reviewer', urgent: true, body: 'Please fix the build.\n' });
    expect(messages[0]!.id).toMatch(MESSAGE_ID_PATTERN);
    expect(inbox.stderr).toContain('fix-the-build.md');
    expect(readdirSync(inboxDir(dir, 'backend')).filter((n) => n.endsWith('.md'))).toEqual([`${messages[0]!.id}.md`]);
    expect(trailersOf(dir)).toMatchObject({ 'Tinytown-Action': ['accept'], 'Tinytown-Agent': ['reviewer'] });
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  it('leaves a file it cannot accept as it is, reports it, and still lists the rest', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    expect((await tt(dir, ['send', 'backend', 'A proper message'])).code).toBe(0);
    const bad = path.join(inboxDir(dir, 'backend'), 'broken.md');
    const bytes = '---\nfrom: reviewer\ntype: [query\n---\nWhat is the plan?\n';
    writeFileSync(bad, bytes);
    const head = git(dir, 'rev-parse', 'HEAD');

    const inbox = await tt(dir, ['inbox', 'backend', '--json']);
    expect(inbox.code, inbox.stderr).toBe(0);
    expect(inbox.json<{ messages: Array<{ body: string }> }>().messages.map((m) => m.body)).toEqual(['A proper message\n']);
    expect(inbox.stderr).toContain('broken.md');
    expect(readFileSync(bad, 'utf8')).toBe(bytes);
    expect(git(dir, 'status', '--porcelain', '--', '.tinytown/inbox/backend')).toBe('?? .tinytown/inbox/backend/broken.md\n');
    // The report reaches the conductor (a commit) — the only change.
    expect(trailersOf(dir)['Tinytown-Action']).toEqual(['send']);
    expect(git(dir, 'log', '-1', '--format=%s')).toContain('cannot take in inbox/backend/broken.md');
    expect(git(dir, 'rev-parse', 'HEAD~1')).toBe(head);
    expect(existsSync(bad)).toBe(true);
  });
});
