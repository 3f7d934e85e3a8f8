/** The message folders' search index (store/message-index.ts): exact matches through escaping and case, kept by the folder's stat. */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMessage } from '../../src/app/messages.js';
import { formatMessage } from '../../src/store/records.js';
import { matchMessageFolder, messageText } from '../../src/store/message-index.js';
import { later } from '../helpers/later.js';
import { stateDir, tempRepo } from '../helpers/repo.js';

const DIR = '.tinytown/inbox/backend';

function folderWith(bodies: string[]): string {
  const root = tempRepo();
  mkdirSync(path.join(root, DIR), { recursive: true });
  mkdirSync(path.join(root, '.tinytown'), { recursive: true });
  writeFileSync(path.join(root, '.tinytown', 'town.yml'), 'name: t\n');
  bodies.forEach((body, i) => {
    const message = createMessage({ from: 'conductor', to: 'backend', type: 'info', body, urgent: i === 0 }, new Date(Date.UTC(2026, 10, 25, 9, 0, i)));
    writeFileSync(path.join(root, DIR, `${message.id}.md`), formatMessage(message));
  });
  return root;
}

/** The bodies, as written, of the candidates for `needle` (the index holds them lower-cased; a hit shown reads its file). */
const bodiesOf = (root: string, needle: string) => later(() => matchMessageFolder(root, DIR, 'backend', needle)).candidates.map((m) => {
  expect(m.body).toBe(m.body.toLowerCase());
  return messageText(root, m.path);
});

describe('message index', () => {
  it('finds a needle across case (Unicode too), tabs, newlines and backslashes, and gives the fields back exactly', () => {
    const root = folderWith(['Ship the ÄPFEL build\n', 'line one\nline\ttwo\n', 'path C:\\temp\\new\n', 'nothing here\n']);
    expect(bodiesOf(root, 'äpfel')).toEqual(['Ship the ÄPFEL build\n']);
    expect(bodiesOf(root, 'line\ttwo')).toEqual(['line one\nline\ttwo\n']);
    expect(bodiesOf(root, 'one\nline')).toEqual(['line one\nline\ttwo\n']);
    expect(bodiesOf(root, 'c:\\temp\\new')).toEqual(['path C:\\temp\\new\n']);
    const [first] = later(() => matchMessageFolder(root, DIR, 'backend', 'äpfel')).candidates;
    expect(first).toMatchObject({ from: 'conductor', to: 'backend', type: 'info', task: null, urgent: true, created: '2026-11-25T09:00:00.000Z', body: 'ship the äpfel build\n' });
    expect(first!.path).toBe(`${DIR}/${first!.id}.md`);
    // the second pass answers from the cache, the same
    expect(bodiesOf(root, 'äpfel')).toEqual(['Ship the ÄPFEL build\n']);
    expect(readdirSync(path.join(stateDir(root), 'cache', 'search'))).toEqual(['inbox-backend.json']);
  });

  it('reads a hand-named file every time without indexing it, and follows files added and removed', () => {
    const root = folderWith(['first zebra\n']);
    expect(bodiesOf(root, 'zebra')).toEqual(['first zebra\n']);
    writeFileSync(path.join(root, DIR, 'note.md'), '---\nfrom: reviewer\nto: backend\ntype: info\ncreated: "2026-11-25T10:00:00.000Z"\nid: 20261125T100000000Z-abcdef\n---\nhand zebra\n');
    expect(bodiesOf(root, 'zebra')).toEqual(['first zebra\n', 'hand zebra\n']);
    expect(bodiesOf(root, 'zebra')).toEqual(['first zebra\n', 'hand zebra\n']);
    writeFileSync(path.join(root, DIR, 'broken.md'), '---\nfrom: [x\n---\n');
    const result = later(() => matchMessageFolder(root, DIR, 'backend', 'zebra'));
    expect(result.problems.map((p) => p.file)).toEqual([`${DIR}/broken.md`]);
    const first = readdirSync(path.join(root, DIR)).find((name) => /^\d{8}T/.test(name))!;
    rmSync(path.join(root, DIR, first));
    expect(bodiesOf(root, 'zebra')).toEqual(['hand zebra\n']);
  });
});
