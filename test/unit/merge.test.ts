import { describe, expect, it } from 'vitest';
import { MESSAGE_ID_PATTERN } from '../../src/core/ids.js';
import { MERGED_BODY_MARKER, claimNoticeMessage, mergeAgents, mergeMappings, mergeMessages, mergeTasks } from '../../src/core/merge.js';
import type { Agent, Message, Task } from '../../src/core/types.js';
import { ValidationError } from '../../src/errors.js';
import { locateTownFile, mergeRecordText } from '../../src/app/merge-driver.js';
import { formatTask, parseTask } from '../../src/store/records.js';

const T0 = '2026-11-25T21:00:00.000Z';
const T1 = '2026-11-25T21:01:00.000Z';
const T2 = '2026-11-25T21:02:00.000Z';
const T3 = '2026-11-25T21:03:00.000Z';

function task(overrides: Partial<Task> = {}): Task {
  return {
    id: 't-7k2m9q', title: 'Build the API', state: 'pending', assignee: null, reviewer: null, priority: 'normal',
    tags: [], parent: null, created: T0, updated: T0, started: null, completed: null, result: null,
    approved_by: null, reviewed_commit: null, branch: null, review_commit: null, usage: null, body: 'Build it.\n', extra: {}, ...overrides,
  };
}

function message(overrides: Partial<Message> = {}): Message {
  return {
    id: '20261125T210000000Z-k3f9qa', from: 'conductor', to: 'backend', type: 'task', task: null, urgent: false,
    created: T0, reply_to: null, kind: null, body: 'Hello.\n', extra: {}, ...overrides,
  };
}

function agent(overrides: Partial<Agent> = {}): Agent {
  return { name: 'backend', role: 'worker', cli: 'claude', nickname: null, parent: 'conductor', created: T0, body: 'Role.\n', extra: {}, ...overrides };
}

/** Both argument orders must give the same record: the answer cannot depend on which clone merges. */
function mergeBothWays(base: Task | null, a: Task, b: Task) {
  const one = mergeTasks(base, a, b);
  const two = mergeTasks(base, b, a);
  expect(formatTask(two.merged)).toBe(formatTask(one.merged));
  expect(two.claim).toEqual(one.claim);
  return one;
}

describe('mergeTasks', () => {
  it('takes each side\'s own changes, field by field', () => {
    const base = task({ state: 'assigned', assignee: 'backend' });
    const ours = { ...base, priority: 'high' as const, updated: T1 };
    const theirs = { ...base, tags: ['api'], title: 'Build the REST API', updated: T2 };
    const { merged, contested, bodyMerged, claim } = mergeBothWays(base, ours, theirs);
    expect(merged).toMatchObject({ priority: 'high', tags: ['api'], title: 'Build the REST API', updated: T2, assignee: 'backend' });
    expect(contested).toEqual(['updated']);
    expect(bodyMerged).toBe(false);
    expect(claim).toBeNull();
  });

  it('gives a field changed on both sides to the side with the newer `updated`', () => {
    const base = task({ state: 'assigned', assignee: 'backend' });
    const older = { ...base, priority: 'low' as const, updated: T1 };
    const newer = { ...base, priority: 'urgent' as const, updated: T2 };
    const { merged, contested } = mergeBothWays(base, older, newer);
    expect(merged.priority).toBe('urgent');
    expect(contested).toContain('priority');
  });

  it('breaks a tie on `updated` the same way whichever side is ours', () => {
    const base = task({ state: 'assigned', assignee: 'backend' });
    const a = { ...base, priority: 'low' as const, updated: T1 };
    const b = { ...base, priority: 'high' as const, updated: T1 };
    expect(['low', 'high']).toContain(mergeBothWays(base, a, b).merged.priority);
  });

  it('keeps both bodies when both changed, older first, with the marker and no git conflict markers', () => {
    const base = task({ state: 'assigned', assignee: 'backend' });
    const ours = { ...base, body: 'Build it with Express.\n', updated: T2 };
    const theirs = { ...base, body: 'Build it with Fastify.\n', updated: T1 };
    const { merged, bodyMerged } = mergeBothWays(base, ours, theirs);
    expect(bodyMerged).toBe(true);
    expect(merged.body).toBe(`Build it with Fastify.\n\n${MERGED_BODY_MARKER}\n\nBuild it with Express.\n`);
    expect(merged.body).not.toMatch(/^(<{7}|={7}|>{7})/m);
  });

  it('takes the body that already holds the other (a repeated merge adds nothing)', () => {
    const base = task({ state: 'assigned', assignee: 'backend' });
    const once = mergeTasks(base, { ...base, body: 'A\n', updated: T1 }, { ...base, body: 'B\n', updated: T2 }).merged;
    const again = mergeBothWays(base, once, { ...base, body: 'B\n', updated: T2 });
    expect(again.bodyMerged).toBe(false);
    expect(again.merged.body).toBe(once.body);
  });

  it('keeps the earlier of two backlog claims and names the loser', () => {
    const base = task();
    const alice = { ...base, state: 'assigned' as const, assignee: 'alice', updated: T1 };
    const bob = { ...base, state: 'assigned' as const, assignee: 'bob', updated: T2 };
    const { merged, claim } = mergeBothWays(base, alice, bob);
    expect(merged.assignee).toBe('alice');
    expect(merged.state).toBe('assigned');
    expect(claim).toEqual({ task: base.id, title: base.title, winner: 'alice', loser: 'bob', winnerClaimed: T1, loserClaimed: T2 });
  });

  it('dates a claim by `started` once the claimer began work, so later work does not make it look late', () => {
    const base = task();
    const alice = { ...base, state: 'running' as const, assignee: 'alice', started: T1, updated: T3 };
    const bob = { ...base, state: 'assigned' as const, assignee: 'bob', updated: T2 };
    const { merged, claim } = mergeBothWays(base, alice, bob);
    expect(claim?.winner).toBe('alice');
    expect(merged).toMatchObject({ state: 'running', assignee: 'alice', started: T1, updated: T3 });
  });

  it('breaks a tie between claims by agent name, whichever side is ours', () => {
    const base = task();
    const { claim } = mergeBothWays(base, { ...base, state: 'assigned', assignee: 'zed', updated: T1 }, { ...base, state: 'assigned', assignee: 'amy', updated: T1 });
    expect(claim).toMatchObject({ winner: 'amy', loser: 'zed' });
  });

  it('is not a claim conflict when the task was not in the backlog', () => {
    const base = task({ state: 'assigned', assignee: 'backend' });
    const { claim, merged } = mergeBothWays(base, { ...base, assignee: 'alice', updated: T1 }, { ...base, assignee: 'bob', updated: T2 });
    expect(claim).toBeNull();
    expect(merged.assignee).toBe('bob');
  });

  it('moves the life-cycle fields as one group when both sides changed the state', () => {
    const base = task({ state: 'assigned', assignee: 'backend' });
    const started = { ...base, state: 'running' as const, started: T1, updated: T1 };
    const cancelled = { ...base, state: 'cancelled' as const, completed: T2, updated: T2 };
    const { merged } = mergeBothWays(base, started, cancelled);
    expect(merged).toMatchObject({ state: 'cancelled', completed: T2, started: null });
  });

  it('merges unknown keys too, including a key one side removed', () => {
    const base = task({ extra: { estimate: 3, owner_note: 'x' } });
    const ours = { ...base, extra: { estimate: 5, owner_note: 'x' } };
    const theirs = { ...base, extra: { estimate: 3 } };
    expect(mergeBothWays(base, ours, theirs).merged.extra).toEqual({ estimate: 5 });
    // Keys added on each side come out in one order whichever side is ours (mergeBothWays compares the bytes).
    expect(Object.keys(mergeBothWays(base, { ...base, extra: { ...base.extra, zeta: 1 } }, { ...base, extra: { ...base.extra, alpha: 2 } }).merged.extra))
      .toEqual(['estimate', 'owner_note', 'alpha', 'zeta']);
  });

  it('merges two files added on both sides with no base', () => {
    const a = task({ title: 'A', updated: T1 });
    const b = task({ title: 'B', updated: T2 });
    expect(mergeBothWays(null, a, b).merged.title).toBe('B');
  });
});

describe('mergeMessages and mergeAgents', () => {
  it('decide a field changed on both sides deterministically (same `created`)', () => {
    const base = message();
    const a = mergeMessages(base, { ...base, urgent: true }, { ...base, task: 't-aaaaaa' });
    expect(a.merged).toMatchObject({ urgent: true, task: 't-aaaaaa' });
    const x = agent();
    const one = mergeAgents(x, { ...x, nickname: 'api' }, { ...x, nickname: 'server' }).merged;
    const two = mergeAgents(x, { ...x, nickname: 'server' }, { ...x, nickname: 'api' }).merged;
    expect(one.nickname).toBe(two.nickname);
  });
});

describe('mergeMappings (town.yml)', () => {
  it('merges nested keys from both sides', () => {
    const base = { name: 'shop', agent: { max_rounds: 10, idle_timeout_s: 300 }, git: { auto_commit: true } };
    const ours = { ...base, agent: { max_rounds: 5, idle_timeout_s: 300 } };
    const theirs = { ...base, agent: { max_rounds: 10, idle_timeout_s: 60 }, default_cli: 'codex' };
    expect(mergeMappings(base, ours, theirs).merged).toEqual({ name: 'shop', agent: { max_rounds: 5, idle_timeout_s: 60 }, git: { auto_commit: true }, default_cli: 'codex' });
  });
});

describe('claimNoticeMessage', () => {
  it('is an info message to the loser whose id and time come from the conflict, not the clock', () => {
    const conflict = { task: 't-7k2m9q', title: 'Build the API', winner: 'alice', loser: 'bob', winnerClaimed: T1, loserClaimed: T2 };
    const first = claimNoticeMessage(conflict);
    expect(first).toMatchObject({ to: 'bob', from: 'conductor', type: 'info', task: 't-7k2m9q', created: T2 });
    expect(first.id).toMatch(MESSAGE_ID_PATTERN);
    expect(claimNoticeMessage({ ...conflict })).toEqual(first);
    expect(first.body).toContain('alice');
    expect(claimNoticeMessage({ ...conflict, loserClaimed: T3 }).id).not.toBe(first.id);
  });
});

describe('the merge driver on hand-built files', () => {
  const file = '.tinytown/tasks/t-7k2m9q.md';
  const base = formatTask(task());
  // Hand-edited sides (one with an unquoted timestamp); the result is canonical anyway.
  const ours = base.replace('state: pending', 'state: assigned').replace('assignee: null', 'assignee: alice')
    .replace(`updated: "${T0}"`, `updated: ${T1}`);
  const theirs = base.replace('state: pending', 'state: assigned').replace('assignee: null', 'assignee: bob')
    .replace(`updated: "${T0}"`, `updated: "${T2}"`).replace('priority: normal', 'priority: high').replace('Build it.', 'Build it fast.');

  it('writes one canonical task: the earlier claim, their priority and body, and reports the loser', () => {
    const result = mergeRecordText('task', file, base, ours, theirs);
    const expected = formatTask(task({ state: 'assigned', assignee: 'alice', priority: 'high', updated: T2, body: 'Build it fast.\n' }));
    expect(result.text).toBe(expected);
    expect(result.claim).toMatchObject({ winner: 'alice', loser: 'bob' });
    expect(parseTask(result.text, file).assignee).toBe('alice');
    expect(mergeRecordText('task', file, base, theirs, ours).text).toBe(expected);
  });

  it('merges with an unreadable or empty base as if the file was added on both sides', () => {
    expect(mergeRecordText('task', file, '', ours, theirs).text).toContain('assignee: ');
    expect(mergeRecordText('task', file, '<<<<<<< garbage', ours, theirs).text).not.toContain('<<<<<<<');
  });

  it('refuses a side that does not parse, naming it', () => {
    expect(() => mergeRecordText('task', file, base, ours, '<<<<<<< HEAD\nstate: x\n')).toThrow(ValidationError);
    expect(() => mergeRecordText('task', file, base, 'no frontmatter', theirs)).toThrow(/\(ours\)/);
  });

  it('knows which town file a path is', () => {
    expect(locateTownFile('.tinytown/tasks/t-7k2m9q.md')).toEqual({ townPrefix: '', kind: 'task' });
    expect(locateTownFile('sub/.tinytown/inbox/bob/read/20261125T210000000Z-k3f9qa.md')).toEqual({ townPrefix: 'sub', kind: 'message' });
    expect(locateTownFile('.tinytown/agents/bob.md')?.kind).toBe('agent');
    expect(locateTownFile('.tinytown/town.yml')?.kind).toBe('config');
    expect(locateTownFile('.tinytown/.gitignore')?.kind).toBe('other');
    expect(locateTownFile('src/index.ts')).toBeUndefined();
  });
});
