/** Inboxes page by default (issue 20, item 4): the newest 50 unread per inbox, the count always said. */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { importRecords } from '../../src/app/import-records.js';
import { createMessage } from '../../src/app/messages.js';
import { openTown } from '../../src/store/town.js';
import { laterAsync } from '../helpers/later.js';
import { commitPaths, stateDir, tempRepo, trailersOf } from '../helpers/repo.js';
import { townWithTeam, tt } from '../helpers/tt.js';

interface InboxDoc { kind: string; agent: string; unread: number; messages: Array<{ id: string; body: string; urgent: boolean }> }

const BASE = Date.parse('2026-11-25T09:00:00.000Z');

/** A town whose backend has `count` unread messages ("message 000" oldest), message 7 urgent, reviewer 3; one commit. */
async function townWithMail(count: number): Promise<string> {
  const dir = tempRepo({ lifetime: 'suite' });
  await townWithTeam(dir);
  const town = openTown({ cwd: dir, env: {} });
  const messages = [
    ...Array.from({ length: count }, (_, i) => createMessage({ from: 'conductor', to: 'backend', type: 'info', urgent: i === 7, body: `message ${String(i).padStart(3, '0')}\n` }, new Date(BASE + i * 1000))),
    ...Array.from({ length: 3 }, (_, i) => createMessage({ from: 'backend', to: 'reviewer', type: 'query', body: `question ${i}\n` }, new Date(BASE + i * 1000))),
  ];
  await importRecords(town, { agents: [], tasks: [], messages, readMessages: [] }, { actor: 'conductor', summary: 'mail for the paging tests' });
  return dir;
}

describe('inbox paging', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await townWithMail(120);
  }, 60_000);

  it('tt inbox shows the newest 50, urgent first then oldest, and says how many are unread', async () => {
    const run = await tt(dir, ['inbox', 'backend', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const doc = run.json<InboxDoc>();
    expect(doc).toMatchObject({ kind: 'inbox', agent: 'backend', unread: 120 });
    expect(doc.messages.map((m) => m.body.trim())).toEqual(Array.from({ length: 50 }, (_, i) => `message ${String(70 + i).padStart(3, '0')}`));
    const text = await tt(dir, ['inbox', 'backend']);
    expect(text.stdout).toContain('backend: 50 of 120 unread (the newest) — --limit 0 for all');
    expect(text.stdout).toContain('message 119');
    expect(text.stdout).not.toContain('message 069');
  });

  it('--limit N and --limit 0 (all, urgent first); a bad limit is refused', async () => {
    const three = (await tt(dir, ['inbox', 'backend', '--limit', '3', '--json'])).json<InboxDoc>();
    expect(three.unread).toBe(120);
    expect(three.messages.map((m) => m.body.trim())).toEqual(['message 117', 'message 118', 'message 119']);
    const all = (await tt(dir, ['inbox', 'backend', '--limit', '0', '--json'])).json<InboxDoc>();
    expect(all.unread).toBe(120);
    expect(all.messages).toHaveLength(120);
    expect(all.messages[0]).toMatchObject({ urgent: true, body: 'message 007\n' });
    expect((await tt(dir, ['inbox', 'backend', '--limit', '0'])).stdout).toContain('backend: 120 unread');
    expect((await tt(dir, ['inbox', 'backend', '--limit', '-1'])).code).toBe(2);
    expect((await tt(dir, ['inbox', 'backend', '--limit', '2.5'])).code).toBe(2);
  });

  it('inbox --all pages every inbox and carries each unread count', async () => {
    const doc = (await tt(dir, ['inbox', '--all', '--limit', '10', '--json'])).json<{ kind: string; inboxes: InboxDoc[] }>();
    expect(doc.kind).toBe('inboxes');
    expect(doc.inboxes.map((inbox) => [inbox.agent, inbox.unread, inbox.messages.length])).toEqual([['backend', 120, 10], ['reviewer', 3, 3]]);
    const all = (await tt(dir, ['inbox', '--all', '--limit', '0', '--json'])).json<{ inboxes: InboxDoc[] }>();
    expect(all.inboxes.map((inbox) => [inbox.agent, inbox.unread, inbox.messages.length])).toEqual([['backend', 120, 120], ['reviewer', 3, 3]]);
    const text = (await tt(dir, ['inbox', '--all'])).stdout;
    expect(text).toContain('backend: 50 of 120 unread (the newest) — --limit 0 for all');
    expect(text).toContain('reviewer: 3 unread');
  });
});

describe('the newest names, cached by the folder\'s stat', () => {
  it('follows mail that arrives and leaves', async () => {
    const dir = await townWithMail(60);
    const newest = async () => (await laterAsync(() => tt(dir, ['inbox', 'backend', '--limit', '2', '--json']))).json<InboxDoc>();
    expect((await newest()).messages.map((m) => m.body)).toEqual(['message 058\n', 'message 059\n']);
    expect((await newest()).unread).toBe(60);
    expect(existsSync(path.join(stateDir(dir), 'cache', 'newest', 'inbox-backend.json'))).toBe(true);
    await tt(dir, ['send', 'backend', 'the latest']);
    expect((await newest())).toMatchObject({ unread: 61, messages: [{ body: 'message 059\n' }, { body: 'the latest\n' }] });
    await tt(dir, ['inbox', 'backend', '--mark-read', '--limit', '1'], { TINYTOWN_AGENT: 'backend' });
    expect((await newest())).toMatchObject({ unread: 60, messages: [{ body: 'message 058\n' }, { body: 'message 059\n' }] });
  }, 60_000);
});

describe('inbox --mark-read with paging', () => {
  it('marks exactly what was shown, in one read commit, and the rest stays unread for next time', async () => {
    const dir = await townWithMail(60);
    const unreadDir = path.join(dir, '.tinytown', 'inbox', 'backend');
    const run = await tt(dir, ['inbox', 'backend', '--mark-read', '--json'], { TINYTOWN_AGENT: 'backend' });
    expect(run.code, run.stderr).toBe(0);
    const shown = run.json<InboxDoc>();
    expect(shown.unread).toBe(60);
    expect(shown.messages).toHaveLength(50);
    expect(trailersOf(dir)['Tinytown-Action']).toEqual(['read']);
    expect(trailersOf(dir)['Tinytown-Message']).toEqual(shown.messages.map((m) => m.id));
    expect(commitPaths(dir).filter((p) => p.includes('/read/'))).toHaveLength(50);
    const left = readdirSync(unreadDir).filter((name) => name.endsWith('.md')).map((name) => name.slice(0, -3));
    expect(left).toHaveLength(10);
    expect(left.some((id) => shown.messages.some((m) => m.id === id))).toBe(false);
    const next = (await tt(dir, ['inbox', 'backend', '--mark-read', '--json'], { TINYTOWN_AGENT: 'backend' })).json<InboxDoc>();
    expect(next.unread).toBe(10);
    expect(next.messages.map((m) => m.id).sort()).toEqual(left.sort());
    expect((await tt(dir, ['inbox', 'backend', '--json'])).json<InboxDoc>()).toMatchObject({ unread: 0, messages: [] });
    // the reviewer's inbox, with --all: marks what --all showed
    const all = (await tt(dir, ['inbox', '--all', '--mark-read', '--limit', '2', '--json'])).json<{ inboxes: InboxDoc[] }>();
    expect(all.inboxes.map((inbox) => [inbox.agent, inbox.unread, inbox.messages.length])).toEqual([['reviewer', 3, 2]]);
    expect((await tt(dir, ['inbox', 'reviewer', '--json'])).json<InboxDoc>().unread).toBe(1);
  }, 60_000);
});
