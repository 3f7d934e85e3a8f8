/**
 * Parsed YAML → typed records. Reading is lenient (unknown keys are kept,
 * optional keys default) but a value of the wrong kind is an error naming the
 * file, the field and what was expected. Pure: no fs, no YAML library.
 */
import { ValidationError } from '../errors.js';
import {
  AGENT_KEYS, MESSAGE_KEYS, MESSAGE_TYPES, PRIORITIES, RESERVATION_KEYS, TASK_KEYS, TASK_STATES, TASK_USAGE_KEYS,
  type Agent, type ExtraFields, type Message, type Reservation, type Task, type TaskUsage,
} from './types.js';
import { MAX_RESERVATION_PATHS, normalizeReservationPattern, RESERVATION_ID_PATTERN, reservationPatternProblem } from './reservations.js';
import { AGENT_NAME_PATTERN } from './names.js';
import { MESSAGE_ID_PATTERN, TASK_ID_PATTERN } from './ids.js';

type Raw = Record<string, unknown>;

const CANONICAL_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

class FieldReader {
  constructor(readonly data: Raw, readonly file: string) {}

  fail(field: string, expected: string): never {
    const got = describeValue(this.data[field]);
    throw new ValidationError(`${this.file}: field "${field}" must be ${expected}, got ${got}`, this.file, field);
  }

  string(field: string): string {
    const value = this.data[field];
    if (typeof value === 'string' && value.length > 0) return value;
    if (typeof value === 'number') return String(value);
    return this.fail(field, 'a non-empty string');
  }

  optionalString(field: string): string | null {
    const value = this.data[field];
    if (value === undefined || value === null || value === '') return null;
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return String(value);
    return this.fail(field, 'a string or null');
  }

  matching(field: string, pattern: RegExp, expected: string): string {
    const value = this.string(field);
    return pattern.test(value) ? value : this.fail(field, expected);
  }

  optionalMatching(field: string, pattern: RegExp, expected: string): string | null {
    const value = this.optionalString(field);
    return value === null || pattern.test(value) ? value : this.fail(field, expected);
  }

  oneOf<T extends string>(field: string, allowed: readonly T[], fallback?: T): T {
    const value = this.data[field];
    if ((value === undefined || value === null) && fallback !== undefined) return fallback;
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    return this.fail(field, `one of ${allowed.join(', ')}`);
  }

  timestamp(field: string): string {
    const value = this.optionalTimestamp(field);
    return value ?? this.fail(field, 'an ISO-8601 timestamp');
  }

  optionalTimestamp(field: string): string | null {
    const value = this.data[field];
    if (value === undefined || value === null) return null;
    // YAML reads unquoted timestamps as Dates; accept them and write them back quoted.
    if (typeof value === 'string' && CANONICAL_TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value))) return value; // what tt writes: no Date round trip
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
    if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
    return this.fail(field, 'an ISO-8601 timestamp such as "2026-11-25T21:20:00.000Z"');
  }

  boolean(field: string, fallback: boolean): boolean {
    const value = this.data[field];
    if (value === undefined || value === null) return fallback;
    if (typeof value === 'boolean') return value;
    return this.fail(field, 'true or false');
  }

  stringList(field: string): string[] {
    const value = this.data[field];
    if (value === undefined || value === null) return [];
    if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean);
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return [...value];
    return this.fail(field, 'a list of strings');
  }

  /** A task's usage mapping: a whole `rounds`, token counts and a cost that are non-negative numbers or null; other keys are dropped. */
  optionalUsage(field: string): TaskUsage | null {
    const value = this.data[field];
    if (value === undefined || value === null) return null;
    const expected = 'null or a mapping {rounds, input_tokens, output_tokens, cost_usd} of non-negative numbers';
    if (typeof value !== 'object' || Array.isArray(value) || value instanceof Date) return this.fail(field, expected);
    const usage = value as Record<string, unknown>;
    const amount = (key: (typeof TASK_USAGE_KEYS)[number], whole: boolean): number | null => {
      const item = usage[key];
      if (item === undefined || item === null) return null;
      if (typeof item === 'number' && Number.isFinite(item) && item >= 0 && (!whole || Number.isInteger(item))) return item;
      return this.fail(field, `${expected} (${key} is not)`);
    };
    return {
      rounds: amount('rounds', true) ?? 0,
      input_tokens: amount('input_tokens', true),
      output_tokens: amount('output_tokens', true),
      cost_usd: amount('cost_usd', false),
    };
  }

  extra(known: readonly string[]): ExtraFields {
    const extra: ExtraFields = {};
    for (const [key, value] of Object.entries(this.data)) {
      if (!known.includes(key)) extra[key] = value;
    }
    return extra;
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (the key is missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${typeof value} ${text.slice(0, 37)}...` : `${typeof value} ${text}`;
}

const COMMIT_ID = /^[0-9a-f]{7,64}$/;
/** The only branches tt names in a task: its own, `tt/<task id>`. */
export const TASK_BRANCH_PATTERN = /^tt\/t-[0-9a-hjkmnp-tv-z]{6}$/;

const NAME_EXPECTED = 'an agent name (a-z, 0-9, "-", starting with a letter)';
const TASK_ID_EXPECTED = 'a task id such as t-7k2m9q';

export function toTask(data: Raw, body: string, file: string): Task {
  const r = new FieldReader(data, file);
  const created = r.timestamp('created');
  return {
    id: r.matching('id', TASK_ID_PATTERN, TASK_ID_EXPECTED),
    title: r.string('title'),
    state: r.oneOf('state', TASK_STATES),
    assignee: r.optionalMatching('assignee', AGENT_NAME_PATTERN, NAME_EXPECTED),
    reviewer: r.optionalMatching('reviewer', AGENT_NAME_PATTERN, NAME_EXPECTED),
    priority: r.oneOf('priority', PRIORITIES, 'normal'),
    tags: r.stringList('tags'),
    parent: r.optionalMatching('parent', TASK_ID_PATTERN, TASK_ID_EXPECTED),
    created,
    updated: r.optionalTimestamp('updated') ?? created,
    started: r.optionalTimestamp('started'),
    completed: r.optionalTimestamp('completed'),
    result: r.optionalString('result'),
    approved_by: r.optionalMatching('approved_by', AGENT_NAME_PATTERN, NAME_EXPECTED),
    reviewed_commit: r.optionalMatching('reviewed_commit', COMMIT_ID, 'a commit id'),
    branch: r.optionalMatching('branch', TASK_BRANCH_PATTERN, 'a task branch such as tt/t-7k2m9q'),
    review_commit: r.optionalMatching('review_commit', COMMIT_ID, 'a commit id'),
    usage: r.optionalUsage('usage'),
    body,
    extra: r.extra(TASK_KEYS),
  };
}

export function toMessage(data: Raw, body: string, file: string): Message {
  const r = new FieldReader(data, file);
  const type = r.oneOf('type', MESSAGE_TYPES, 'task');
  return {
    id: r.matching('id', MESSAGE_ID_PATTERN, 'a message id such as 20261125T212000123Z-k3f9qa'),
    from: r.matching('from', AGENT_NAME_PATTERN, NAME_EXPECTED),
    to: r.matching('to', AGENT_NAME_PATTERN, NAME_EXPECTED),
    type,
    task: r.optionalMatching('task', TASK_ID_PATTERN, TASK_ID_EXPECTED),
    urgent: r.boolean('urgent', false),
    created: r.timestamp('created'),
    reply_to: r.optionalMatching('reply_to', MESSAGE_ID_PATTERN, 'a message id'),
    kind: type === 'custom' ? r.string('kind') : r.optionalString('kind'),
    body,
    extra: r.extra([...MESSAGE_KEYS, 'kind']),
  };
}

export function toAgent(data: Raw, body: string, file: string): Agent {
  const r = new FieldReader(data, file);
  return {
    name: r.matching('name', AGENT_NAME_PATTERN, NAME_EXPECTED),
    role: r.string('role'),
    cli: r.string('cli'),
    nickname: r.optionalString('nickname'),
    parent: r.optionalMatching('parent', AGENT_NAME_PATTERN, NAME_EXPECTED),
    created: r.timestamp('created'),
    worktree: r.boolean('worktree', false),
    mcp: r.boolean('mcp', false),
    body,
    extra: r.extra([...AGENT_KEYS, 'worktree', 'mcp']),
  };
}

export function toReservation(data: Raw, body: string, file: string): Reservation {
  const r = new FieldReader(data, file);
  const raw = data.paths;
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_RESERVATION_PATHS || !raw.every((item) => typeof item === 'string')) {
    r.fail('paths', `a list of 1 to ${MAX_RESERVATION_PATHS} repository paths or globs`);
  }
  const paths = (raw as string[]).map((pattern) => {
    const problem = reservationPatternProblem(pattern);
    return problem === undefined ? normalizeReservationPattern(pattern) : r.fail('paths', `repository paths or globs (${JSON.stringify(pattern).slice(0, 60)} ${problem})`);
  });
  return {
    id: r.matching('id', RESERVATION_ID_PATTERN, 'a reservation id such as r-7k2m9q'),
    holder: r.matching('holder', AGENT_NAME_PATTERN, NAME_EXPECTED),
    paths,
    task: r.optionalMatching('task', TASK_ID_PATTERN, TASK_ID_EXPECTED),
    exclusive: r.boolean('exclusive', false),
    created: r.timestamp('created'),
    expires: r.optionalTimestamp('expires'),
    body,
    extra: r.extra(RESERVATION_KEYS),
  };
}
