import { describe, expect, it } from 'vitest';
import { formatFrontmatter, parseFrontmatter } from '../../src/store/codec.js';
import { formatMessage, formatTask, parseMessage, parseTask } from '../../src/store/records.js';
import type { Message, Task } from '../../src/core/types.js';
import { ValidationError } from '../../src/errors.js';

const task: Task = {
  id: 't-7k2m9q', title: 'Fix: the "login" page', state: 'running', assignee: 'backend', reviewer: 'reviewer',
  priority: 'high', tags: ['api', 'auth'], parent: null, created: '2026-11-25T21:20:00.000Z', updated: '2026-11-25T21:21:00.000Z',
  started: '2026-11-25T21:21:00.000Z', completed: null, result: 'line one\nline two', approved_by: null, reviewed_commit: null, branch: null, review_commit: null, usage: null,
  body: 'Full description.\n', extra: { estimate: 3 },
};

describe('canonical files', () => {
  it('writes keys in the fixed order, every key present, timestamps double-quoted, LF only', () => {
    const text = formatTask(task);
    expect(text).toBe([
      '---',
      'id: t-7k2m9q',
      'title: "Fix: the \\"login\\" page"',
      'state: running',
      'assignee: backend',
      'reviewer: reviewer',
      'priority: high',
      'tags: [api, auth]',
      'parent: null',
      'created: "2026-11-25T21:20:00.000Z"',
      'updated: "2026-11-25T21:21:00.000Z"',
      'started: "2026-11-25T21:21:00.000Z"',
      'completed: null',
      'result: "line one\\nline two"',
      'approved_by: null',
      'reviewed_commit: null',
      'branch: null',
      'review_commit: null',
      'usage: null',
      'estimate: 3',
      '---',
      'Full description.',
      '',
    ].join('\n'));
    expect(text).not.toContain('\r');
  });

  it('round-trips a task and a message byte for byte', () => {
    expect(formatTask(parseTask(formatTask(task), 'f'))).toBe(formatTask(task));
    const message: Message = {
      id: '20261125T212000123Z-k3f9qa', from: 'conductor', to: 'backend', type: 'custom', task: null, urgent: true,
      created: '2026-11-25T21:20:00.123Z', reply_to: null, kind: 'ready_for_review', body: 'yes: no\n', extra: {},
    };
    expect(parseMessage(formatMessage(message), 'f')).toEqual(message);
  });

  it('writes a task\'s usage on one line that the fast path and the YAML library read alike, and refuses a bad one naming the field', async () => {
    const { parseCanonical, parseWithYaml } = await import('../../src/store/codec.js');
    const used: Task = { ...task, usage: { rounds: 3, input_tokens: 42_000, output_tokens: 1234, cost_usd: 0.081234 } };
    const text = formatTask(used);
    expect(text).toContain('\nusage: {"rounds":3,"input_tokens":42000,"output_tokens":1234,"cost_usd":0.081234}\nestimate: 3\n');
    expect(parseCanonical(text)).toEqual(parseWithYaml(text, 'f'));
    expect(parseCanonical(text)).toBeDefined();
    expect(parseTask(text, 'f')).toEqual(used);
    const noCost = formatTask({ ...task, usage: { rounds: 1, input_tokens: null, output_tokens: null, cost_usd: null } });
    expect(parseCanonical(noCost)).toEqual(parseWithYaml(noCost, 'f'));
    // Hand-written YAML reads too; a wrong value names the file and the field.
    expect(parseTask(text.replace(/^usage: .*$/m, 'usage:\n  rounds: 2\n  cost_usd: 0.5'), 'f').usage).toEqual({ rounds: 2, input_tokens: null, output_tokens: null, cost_usd: 0.5 });
    expect(() => parseTask(text.replace(/^usage: .*$/m, 'usage: {"rounds":-1}'), 'tasks/t-7k2m9q.md')).toThrow(/tasks\/t-7k2m9q\.md: field "usage" must be null or a mapping .*rounds is not/);
    expect(() => parseTask(text.replace(/^usage: .*$/m, 'usage: lots'), 'f')).toThrow(/field "usage" must be/);
  });

  it.each(['true', 'null', 'yes', '~', '123', '- item', '# note', 'a: b', ' padded', 'ünïcode', ''])('quotes %j so it reads back as the same string', (value) => {
    const text = formatFrontmatter([['title', value]], '');
    expect(parseFrontmatter(text, 'f').data.title).toBe(value);
  });

  it('reads CRLF files and a UTF-8 BOM', () => {
    const text = '\uFEFF---\r\nid: t-7k2m9q\r\ntitle: x\r\n---\r\nbody\r\n';
    expect(parseFrontmatter(text, 'f')).toEqual({ data: { id: 't-7k2m9q', title: 'x' }, body: 'body\n' });
  });

  it.each([
    ['no frontmatter', 'just text\n', /no YAML frontmatter/],
    ['YAML syntax', '---\nid: [unclosed\n---\n', /YAML error/],
    ['conflict markers', '---\nid: x\n<<<<<<< HEAD\nstate: a\n=======\nstate: b\n>>>>>>> other\n---\n', /conflict marker/],
    ['binary', '---\nid: \u0000\u0001\n---\n', /binary/],
    ['a list, not a mapping', '---\n- a\n- b\n---\n', /mapping/],
  ])('refuses %s with the file named', (_, text, pattern) => {
    expect(() => parseFrontmatter(text, 'tasks/t-bad.md')).toThrow(ValidationError);
    expect(() => parseFrontmatter(text, 'tasks/t-bad.md')).toThrow(pattern);
    expect(() => parseFrontmatter(text, 'tasks/t-bad.md')).toThrow(/tasks\/t-bad\.md/);
  });

  it('reports the line of a YAML error', () => {
    try {
      parseFrontmatter('---\nid: t-1\ntitle: "open\nstate: x\n---\n', 'f.md');
      expect.unreachable();
    } catch (error) {
      expect((error as ValidationError).line).toBeGreaterThanOrEqual(2);
    }
  });
});

describe('the canonical fast path', () => {
  it('reads every file of the example town exactly as the YAML library does', async () => {
    const { readdirSync, readFileSync, statSync } = await import('node:fs');
    const path = await import('node:path');
    const { parseCanonical, parseWithYaml } = await import('../../src/store/codec.js');
    const root = path.resolve(import.meta.dirname, '../../.tinytown.example');
    const files: string[] = [];
    const visit = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const full = path.join(dir, name);
        if (statSync(full).isDirectory()) visit(full);
        else if (name.endsWith('.md')) files.push(full);
      }
    };
    visit(root);
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const fast = parseCanonical(text);
      expect(fast, file).toBeDefined();
      const slow = parseWithYaml(text, file);
      expect(fast!.data, file).toEqual(slow.data);
      expect(fast!.body, file).toBe(slow.body);
    }
  });

  it.each([
    ['a comment', '---\nid: x # note\n---\n'],
    ['an unquoted timestamp', '---\ncreated: 2026-11-25T21:20:00.000Z\n---\n'],
    ['a duplicate key', '---\nid: a\nid: b\n---\n'],
    ['nesting', '---\ngit:\n  auto_commit: true\n---\n'],
    ['a quoted list item', '---\ntags: ["a, b"]\n---\n'],
    ['a single-quoted string', "---\ntitle: 'x'\n---\n"],
    ['an octal-looking number', '---\nn: 012\n---\n'],
  ])('leaves %s to the YAML library', async (_, text) => {
    const { parseCanonical } = await import('../../src/store/codec.js');
    expect(parseCanonical(text)).toBeUndefined();
  });
});

describe('YAML from collaborators', () => {
  it('refuses anchors and aliases, so an alias bomb never expands', async () => {
    const { parseTownConfig } = await import('../../src/store/config.js');
    const bomb = 'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n';
    expect(() => parseFrontmatter(`---\n${bomb}---\n`, 'tasks/t-bomb.md')).toThrow(/tasks\/t-bomb\.md:2: YAML error: an anchor \(&a\)/);
    expect(() => parseTownConfig(`name: x\n${bomb}`, '.tinytown/town.yml')).toThrow(/\.tinytown\/town\.yml:2: YAML error: .*anchors and aliases are not accepted/);
    expect(() => parseFrontmatter('---\nid: t-1\ntitle: *nothing\n---\n', 'f.md')).toThrow(/f\.md:3: YAML error/);
  });

  it('refuses a tag the schema does not know instead of reading it as text', () => {
    expect(() => parseFrontmatter('---\nid: t-1\ntitle: !!js/function "function () { return 1 }"\n---\n', 'f.md')).toThrow(/f\.md:3: YAML error: .*js\/function/);
  });

  it('reads YAML the fast path leaves alone with js-yaml\'s safe schema: dates, quoted and nested values', () => {
    const { data, body } = parseFrontmatter('---\ncreated: 2026-11-25T21:20:00Z\nt: !!str 5\ngit:\n  auto_commit: true\n# a comment\n---\n\nBody\n', 'f.md');
    expect(data).toEqual({ created: new Date('2026-11-25T21:20:00Z'), t: '5', git: { auto_commit: true } });
    expect(body).toBe('Body\n');
  });
});

describe('keys a JavaScript object cannot hold as data', () => {
  it('refuses a "__proto__" key with its line, on the fast path and the YAML path alike, and keeps "constructor" as data', () => {
    for (const text of ['---\nfrom: conductor\n__proto__: evil\n---\nhi\n', '---\nfrom: conductor # a comment: YAML path\n__proto__: [a, b]\n---\nhi\n']) {
      expect(() => parseFrontmatter(text, 'x.md')).toThrow(/line 3|:3|"__proto__": no town file has such a field/);
    }
    const kept = parseFrontmatter('---\nfrom: conductor\nconstructor: x\n---\nhi\n', 'x.md');
    expect(Object.getPrototypeOf(kept.data)).toBe(Object.prototype);
    expect(kept.data).toEqual({ from: 'conductor', constructor: 'x' });
  });
});
