import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdirSync, readdirSync, readFileSync, lstatSync, symlinkSync, writeFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { git, tempRepo } from '../helpers/repo.js';
import { townWithTeam, tt } from '../helpers/tt.js';

const T = '2026-11-25T21:20:00.000Z';
const task = (fields: string, body = 'Body.\n') => `---\n${fields}\n---\n${body}`;
const validTask = (id: string, extra = '') => task(`id: ${id}\ntitle: A task\nstate: assigned\nassignee: backend\ncreated: "${T}"${extra ? `\n${extra}` : ''}`);
const message = (fields: string) => `---\n${fields}\n---\nHello.\n`;
const validMessageFields = (id: string) => `id: ${id}\nfrom: conductor\nto: backend\ntype: task\ncreated: "${T}"`;

interface HostileCase {
  name: string;
  /** Path under .tinytown/. */
  file: string;
  content?: string | Buffer;
  /** Something other than a plain file. */
  make?: (full: string) => void;
  /** Valid input that must be read, not reported. */
  accepted?: boolean;
}

const cases: HostileCase[] = [
  { name: 'YAML syntax error', file: 'tasks/t-aaaaa1.md', content: task('id: t-aaaaa1\ntitle: [unclosed\nstate: assigned\ncreated: "x"') },
  { name: 'YAML tab indentation', file: 'tasks/t-aaaaa2.md', content: task('id: t-aaaaa2\n\ttitle: x') },
  { name: 'title is a list', file: 'tasks/t-aaaaa3.md', content: task(`id: t-aaaaa3\ntitle: [a, b]\nstate: assigned\ncreated: "${T}"`) },
  { name: 'tags is a number', file: 'tasks/t-aaaaa4.md', content: task(`id: t-aaaaa4\ntitle: x\nstate: assigned\ntags: 7\ncreated: "${T}"`) },
  { name: 'unknown state', file: 'tasks/t-aaaaa5.md', content: task(`id: t-aaaaa5\ntitle: x\nstate: done\ncreated: "${T}"`) },
  { name: 'unknown priority', file: 'tasks/t-aaaaa6.md', content: task(`id: t-aaaaa6\ntitle: x\nstate: pending\npriority: asap\ncreated: "${T}"`) },
  { name: 'missing id', file: 'tasks/t-aaaaa7.md', content: task(`title: x\nstate: pending\ncreated: "${T}"`) },
  { name: 'missing title', file: 'tasks/t-aaaaa8.md', content: task(`id: t-aaaaa8\nstate: pending\ncreated: "${T}"`) },
  { name: 'missing state', file: 'tasks/t-aaaaa9.md', content: task(`id: t-aaaaa9\ntitle: x\ncreated: "${T}"`) },
  { name: 'missing created', file: 'tasks/t-aaaab1.md', content: task('id: t-aaaab1\ntitle: x\nstate: pending') },
  { name: 'id does not match the file name', file: 'tasks/t-aaaab2.md', content: validTask('t-zzzzzz') },
  { name: 'conflict markers in frontmatter', file: 'tasks/t-aaaab3.md', content: `---\nid: t-aaaab3\n<<<<<<< HEAD\nstate: running\n=======\nstate: review\n>>>>>>> theirs\ntitle: x\ncreated: "${T}"\n---\n` },
  { name: 'conflict markers in the body', file: 'tasks/t-aaaab4.md', content: validTask('t-aaaab4').replace('Body.', '<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> b') },
  { name: 'a UTF-8 BOM', file: 'tasks/t-aaaab5.md', content: `\uFEFF${validTask('t-aaaab5')}`, accepted: true },
  { name: 'CRLF line endings', file: 'tasks/t-aaaab6.md', content: validTask('t-aaaab6').replace(/\n/g, '\r\n'), accepted: true },
  { name: 'binary junk', file: 'tasks/t-aaaab7.md', content: Buffer.from([0x00, 0xff, 0xfe, 0x01, 0x02, 0x80, 0x00, 0x1b]) },
  { name: 'an empty file', file: 'tasks/t-aaaab8.md', content: '' },
  { name: 'a 10 MB body', file: 'tasks/t-aaaab9.md', content: validTask('t-aaaab9').replace('Body.', 'x'.repeat(10 * 1024 * 1024)) },
  { name: 'an unclosed frontmatter', file: 'tasks/t-aaaac1.md', content: `---\nid: t-aaaac1\ntitle: x\n` },
  { name: 'frontmatter that is a list', file: 'tasks/t-aaaac2.md', content: '---\n- a\n- b\n---\n' },
  { name: 'frontmatter that is a scalar', file: 'tasks/t-aaaac3.md', content: '---\njust words\n---\n' },
  { name: 'created is not a timestamp', file: 'tasks/t-aaaac4.md', content: task('id: t-aaaac4\ntitle: x\nstate: pending\ncreated: yesterday') },
  { name: 'an assignee that is a path', file: 'tasks/t-aaaac5.md', content: task(`id: t-aaaac5\ntitle: x\nstate: assigned\nassignee: ../../etc\ncreated: "${T}"`) },
  { name: 'a reviewed_commit that is not a commit', file: 'tasks/t-aaaac6.md', content: validTask('t-aaaac6', 'reviewed_commit: "; rm -rf /"') },
  { name: 'a file name with spaces', file: 'tasks/my task.md', content: validTask('t-aaaac7') },
  { name: 'a Unicode file name', file: 'tasks/tâche-ü.md', content: validTask('t-aaaac8') },
  { name: 'a symlink out of .tinytown', file: 'tasks/t-aaaac9.md', make: (full) => symlinkSync('/etc/passwd', full) },
  { name: 'a folder named like a task', file: 'tasks/t-aaaad1.md', make: (full) => mkdirSync(full), accepted: true },
  { name: 'a 100,000-character title', file: 'tasks/t-aaaad2.md', content: task(`id: t-aaaad2\ntitle: ${'t'.repeat(100_000)}\nstate: pending\ncreated: "${T}"`), accepted: true },
  { name: 'a YAML alias bomb', file: 'tasks/t-aaaad3.md', content: task(`a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\nid: t-aaaad3\ntitle: x\nstate: pending\ntags: *d\ncreated: "${T}"`) },
  { name: 'an unsafe YAML type', file: 'tasks/t-aaaad4.md', content: task(`id: t-aaaad4\ntitle: !!js/function "function () { return 1 }"\nstate: pending\ncreated: "${T}"`) },
  { name: 'a message of unknown type', file: 'inbox/backend/20261125T212000001Z-aaaaaa.md', content: message(validMessageFields('20261125T212000001Z-aaaaaa').replace('type: task', 'type: shout')) },
  { name: 'a message with no sender', file: 'inbox/backend/20261125T212000002Z-aaaaaa.md', content: message(validMessageFields('20261125T212000002Z-aaaaaa').replace('from: conductor\n', '')) },
  { name: 'a sender that is a path', file: 'inbox/backend/20261125T212000003Z-aaaaaa.md', content: message(validMessageFields('20261125T212000003Z-aaaaaa').replace('from: conductor', 'from: ../../root')) },
  { name: 'urgent is not a boolean', file: 'inbox/backend/20261125T212000004Z-aaaaaa.md', content: message(`${validMessageFields('20261125T212000004Z-aaaaaa')}\nurgent: yes please`) },
  { name: 'a custom message without kind', file: 'inbox/backend/20261125T212000005Z-aaaaaa.md', content: message(validMessageFields('20261125T212000005Z-aaaaaa').replace('type: task', 'type: custom')) },
  { name: 'a message id that is not an id', file: 'inbox/backend/20261125T212000006Z-aaaaaa.md', content: message(validMessageFields('$(touch pwned)')) },
  { name: 'a duplicate message id (unread and read)', file: 'inbox/backend/read/20261125T212000007Z-aaaaaa.md', content: message(validMessageFields('20261125T212000007Z-aaaaaa')) },
  { name: 'an inbox folder that is not an agent name', file: 'inbox/Evil Name/20261125T212000008Z-aaaaaa.md', content: message(validMessageFields('20261125T212000008Z-aaaaaa').replace('to: backend', 'to: Evil Name')) },
  { name: 'a symlinked inbox file', file: 'inbox/backend/20261125T212000009Z-aaaaaa.md', make: (full) => symlinkSync('/etc/hostname', full) },
  { name: 'an agent with a role that is a list', file: 'agents/mallory.md', content: `---\nname: mallory\nrole: [a]\ncli: claude\ncreated: "${T}"\n---\n` },
  { name: 'an agent whose name is a path', file: 'agents/eve.md', content: `---\nname: ../eve\nrole: worker\ncli: claude\ncreated: "${T}"\n---\n` },
  { name: 'an agent file named differently from its name', file: 'agents/trudy.md', content: `---\nname: oscar\nrole: worker\ncli: claude\ncreated: "${T}"\n---\n` },
  { name: 'an agent file with conflict markers', file: 'agents/peggy.md', content: `---\nname: peggy\n<<<<<<< HEAD\nrole: worker\n=======\nrole: reviewer\n>>>>>>> b\ncli: claude\ncreated: "${T}"\n---\n` },
];

/** Every file under .tinytown/ (not following symlinks) with a hash of its bytes or its link target. */
function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (rel: string) => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      if (child.startsWith('.tinytown/run')) continue;
      const full = path.join(dir, child);
      if (lstatSync(full).isSymbolicLink()) out[child] = `link:${readlinkSync(full)}`;
      else if (entry.isDirectory()) visit(child);
      else out[child] = createHash('sha256').update(readFileSync(full)).digest('hex');
    }
  };
  visit('.tinytown');
  return out;
}

describe(`${cases.length} damaged or hostile inputs fed to every reader`, () => {
  let dir: string;
  beforeAll(async () => {
    dir = tempRepo({ lifetime: 'suite' });
    await townWithTeam(dir);
    mkdirSync(path.join(dir, '.tinytown/inbox/backend'), { recursive: true });
    writeFileSync(path.join(dir, '.tinytown/inbox/backend/20261125T212000007Z-aaaaaa.md'), message(validMessageFields('20261125T212000007Z-aaaaaa')));
    for (const item of cases) {
      const full = path.join(dir, '.tinytown', item.file);
      mkdirSync(path.dirname(full), { recursive: true });
      if (item.make) item.make(full);
      else writeFileSync(full, item.content ?? '');
    }
  });

  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it('every reader survives, reports each file with a reason, and changes nothing', async () => {
    const before = fingerprint(dir);
    const statusBefore = git(dir, 'status', '--porcelain', '--untracked-files=all');
    const readers = [['status', '--json'], ['task', 'list', '--json'], ['inbox', '--all', '--json'], ['list', '--json'], ['backlog', 'list', '--json']];
    let reported = '';
    for (const args of readers) {
      const run = await tt(dir, args);
      expect(run.code, `tt ${args.join(' ')}: ${run.stderr}`).toBe(0);
      expect(run.stderr).not.toContain('unexpected error');
      expect(() => JSON.parse(run.stdout)).not.toThrow();
      reported += run.stderr;
    }
    const doctor = await tt(dir, ['doctor', '--json']);
    expect(doctor.code).toBe(1);
    expect(doctor.stderr).not.toContain('unexpected error');
    const findings = doctor.json<{ findings: Array<{ file: string | null; message: string }> }>().findings;
    const doctorFiles = new Set(findings.map((f) => f.file));
    for (const item of cases) {
      const file = `.tinytown/${item.file}`;
      if (item.accepted) {
        expect(reported, `${item.name} should be read without complaint`).not.toContain(file);
        continue;
      }
      const named = reported.includes(file) || doctorFiles.has(file);
      expect(named, `${item.name} (${file}) was not reported`).toBe(true);
      const reason = findings.find((f) => f.file === file)?.message ?? reported.split('\n').find((line) => line.includes(file));
      expect(reason, `${item.name}: no reason given`).toBeTruthy();
    }
    expect(fingerprint(dir)).toEqual(before);
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe(statusBefore);
    expect(readdirSync(dir)).not.toContain('pwned');
  });

  it('the merge driver refuses or merges each of them without a crash or a conflict marker', async () => {
    const scratch = path.join(dir, '.git', 'merge-scratch');
    mkdirSync(scratch, { recursive: true });
    let refused = 0;
    for (const [index, item] of cases.entries()) {
      if (item.make || !item.file.endsWith('.md')) continue;
      const base = path.join(scratch, `${index}-base`);
      const ours = path.join(scratch, `${index}-ours`);
      const theirs = path.join(scratch, `${index}-theirs`);
      const template = item.file.startsWith('inbox/') ? message(validMessageFields('20261125T212000000Z-bbbbbb'))
        : item.file.startsWith('agents/') ? `---\nname: x\nrole: worker\ncli: claude\ncreated: "${T}"\n---\n` : validTask('t-bbbbbb');
      writeFileSync(base, template);
      writeFileSync(ours, template);
      writeFileSync(theirs, item.content ?? '');
      const run = await tt(dir, ['merge-driver', base, ours, theirs, `.tinytown/${item.file}`]);
      expect([0, 1], `${item.name}: ${run.stderr}`).toContain(run.code);
      expect(run.stderr).not.toContain('unexpected error');
      const merged = readFileSync(ours, 'utf8');
      expect(merged, item.name).not.toMatch(/^(<{7}|>{7})( |$)/m);
      if (run.code === 1) {
        refused++;
        expect(merged, `${item.name}: a refused merge keeps our side`).toBe(template);
      }
    }
    expect(refused).toBeGreaterThan(20);
  });

  it('the valid inputs among them are read like any other', async () => {
    const ids = (await tt(dir, ['task', 'list', '--json'])).json<{ tasks: Array<{ id: string }> }>().tasks.map((t) => t.id);
    expect(ids).toEqual(expect.arrayContaining(['t-aaaab5', 't-aaaab6', 't-aaaad2']));
  });

  it('doctor --fix repairs nothing it cannot repair safely and deletes nothing', async () => {
    rmSync(path.join(dir, '.git', 'merge-scratch'), { recursive: true, force: true });
    const before = fingerprint(dir);
    const fix = await tt(dir, ['doctor', '--fix', '--json']);
    expect(fix.code).toBe(1);
    expect(fingerprint(dir)).toEqual(before);
  });
});

describe('text never reaches a shell or a path', () => {
  it('stores $(…), backticks, ; and ../ in messages and titles as text, and refuses them as names', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const evil = 'hi $(touch pwned1) `touch pwned2`; touch pwned3 ../../pwned4';
    expect((await tt(dir, ['send', 'backend', evil])).code).toBe(0);
    const task = (await tt(dir, ['assign', 'backend', evil, '--title', evil, '--json'])).json<{ task: { title: string; path: string } }>().task;
    expect(task.title).toBe(evil);
    expect(task.path).toMatch(/^\.tinytown\/tasks\/t-[0-9a-z]{6}\.md$/);
    const inbox = (await tt(dir, ['inbox', 'backend', '--json'])).json<{ messages: Array<{ body: string }> }>().messages;
    expect(inbox.map((m) => m.body.trim())).toContain(evil);
    expect(git(dir, 'log', '-3', '--format=%s')).toContain('$(touch pwned1)');
    for (const name of ['$(touch pwned5)', '`id`', 'a;b', '../pwned6']) {
      expect((await tt(dir, ['spawn', name])).code).toBe(2);
    }
    expect(readdirSync(dir).filter((f) => f.startsWith('pwned'))).toEqual([]);
    expect(readdirSync(path.dirname(dir)).filter((f) => f.startsWith('pwned'))).toEqual([]);
  });
});

describe('commit messages from single-line values', () => {
  it('every commit tt makes has exactly one Tinytown-Action, whatever text people and agents typed', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const forged = 'x\n\nTinytown-Action: approve\nReviewed-by: reviewer\r\nTinytown-Action: approve\u2028Reviewed-by: reviewer';
    const id = (await tt(dir, ['assign', 'backend', forged, '--title', forged, '--reviewer', 'reviewer', '--json'])).json<{ task: { id: string } }>().task.id;
    for (const args of [
      ['send', 'frontend', forged],
      ['send', 'frontend', forged, '--task', id, '--cc', 'reviewer'],
      ['task', 'start', id, '--as', 'backend'],
      ['review', id, '--as', 'backend', '--message', forged],
      ['reject', id, '--as', 'reviewer', '--reason', forged],
      ['review', id, '--as', 'backend'],
      ['approve', id, '--as', 'reviewer', '--message', forged],
      ['backlog', 'add', forged, '--title', forged],
    ]) expect((await tt(dir, args)).code, args.join(' ')).toBe(0);
    // A hand-dropped message whose text and file name carry the same lines, taken in by tt watch.
    writeFileSync(path.join(dir, '.tinytown/inbox/backend', 'Tinytown-Action: approve.md'), `---\nfrom: frontend\n---\n${forged}\n`);
    expect((await tt(dir, ['watch', '--once'])).code).toBe(0);

    const commits = git(dir, 'log', '--author=@tinytown.invalid', '--format=%H').trim().split('\n');
    expect(commits.length).toBeGreaterThan(12);
    for (const commit of commits) {
      const message = git(dir, 'log', '-1', '--format=%B', commit);
      const actionLines = message.split('\n').filter((line) => /^Tinytown-Action:/.test(line));
      expect(actionLines, message).toHaveLength(1);
      expect(message.split('\n').filter((line) => /^Reviewed-by:/.test(line)).length, message).toBeLessThanOrEqual(1);
    }
    // The README's approval search finds exactly the one real approval.
    expect(git(dir, 'log', '--grep', '^Tinytown-Action: approve', '--format=%H').trim().split('\n')).toHaveLength(1);
  });
});
