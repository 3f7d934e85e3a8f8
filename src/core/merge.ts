/**
 * The three-way merge of two versions of one town record (DESIGN §2 "Merges"),
 * as pure functions: git's merge driver (app/merge-driver.ts) parses the three
 * files, calls these, and writes the canonical result.
 *
 * Rules, field by field (unknown keys included):
 * - changed on one side only: that side's value;
 * - changed on both sides to different values: the newer side's value — tasks
 *   compare `updated`, messages and agents `created` — and on equal times the
 *   side whose serialised record sorts last, so the answer does not depend on
 *   which side is "ours";
 * - a task's life-cycle fields (state, assignee, reviewer, started, completed,
 *   result, approved_by, reviewed_commit) move as one group when both sides
 *   changed its state or assignee: mixing them would make tasks no transition
 *   can produce (say, cancelled by one side but started by the other);
 * - a backlog task claimed on both sides by different agents keeps the
 *   *earlier* claim, and the merge reports the loser so it can be told;
 * - bodies changed on both sides keep both texts (the older side's first),
 *   separated by MERGED_BODY_MARKER, which `tt doctor` reports; never git's
 *   conflict markers.
 */
import { isoNow } from './ids.js';
import {
  AGENT_KEYS, CONDUCTOR, MESSAGE_KEYS, RESERVATION_KEYS, TASK_KEYS, type Agent, type ExtraFields, type Message, type Reservation, type Task,
} from './types.js';

export const MERGED_BODY_MARKER = '<!-- tinytown: merged body from both sides -->';

/** Two clones claimed the same backlog task for different agents. */
export interface ClaimConflict {
  task: string;
  title: string;
  winner: string;
  loser: string;
  /** When each claim was made, as far as the files tell (see claimTime). */
  winnerClaimed: string;
  loserClaimed: string;
}

export interface RecordMerge<T> {
  merged: T;
  /** Fields both sides changed to different values, decided by the newer side. */
  contested: string[];
  bodyMerged: boolean;
  claim: ClaimConflict | null;
}

type Fields = Record<string, unknown>;
interface FlatRecord {
  fields: Fields;
  body: string;
}

const LIFECYCLE_FIELDS = ['state', 'assignee', 'reviewer', 'started', 'completed', 'result', 'approved_by', 'reviewed_commit', 'branch', 'review_commit'] as const;

/** JSON with sorted object keys: equal values serialise equally whatever their key order. */
export function stableStringify(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${stableStringify((value as Fields)[key])}`);
  return `{${entries.join(',')}}`;
}

function same(a: unknown, b: unknown): boolean {
  return stableStringify(a) === stableStringify(b);
}

function flatten(record: { body: string; extra: ExtraFields }, keys: readonly string[]): FlatRecord {
  const fields: Fields = {};
  for (const key of keys) fields[key] = (record as unknown as Fields)[key];
  for (const [key, value] of Object.entries(record.extra)) if (!(key in fields)) fields[key] = value;
  return { fields, body: record.body };
}

/** Back to a typed record: every known key came from a validated record of the same type. */
function unflatten<T>(flat: FlatRecord, keys: readonly string[]): T {
  const known: Fields = {};
  const extra: ExtraFields = {};
  for (const [key, value] of Object.entries(flat.fields)) {
    if (value === undefined) continue;
    if (keys.includes(key)) known[key] = value;
    else extra[key] = value;
  }
  return { ...known, body: flat.body, extra } as T;
}

/** 1 when `ours` is the newer side, -1 when `theirs` is; never 0 unless both are identical. */
function compareSides(ours: FlatRecord, theirs: FlatRecord, timeField: string): number {
  const a = String(ours.fields[timeField] ?? '');
  const b = String(theirs.fields[timeField] ?? '');
  if (a !== b) return a > b ? 1 : -1;
  const sa = stableStringify(ours);
  const sb = stableStringify(theirs);
  return sa === sb ? 0 : sa > sb ? 1 : -1;
}

/** The base's keys in their order, then keys new on either side sorted: unknown keys come out in the same order whichever side is ours. */
function unionKeys(base: FlatRecord | null, ours: FlatRecord, theirs: FlatRecord): string[] {
  const keys = Object.keys(base?.fields ?? {});
  const added = [...new Set([...Object.keys(ours.fields), ...Object.keys(theirs.fields)])].filter((key) => !keys.includes(key)).sort();
  return [...keys, ...added];
}

function changed(base: FlatRecord | null, side: FlatRecord, key: string): boolean {
  return !same(base?.fields[key], side.fields[key]);
}

export function mergeBodies(base: string | null, ours: string, theirs: string, oursIsNewer: boolean): { body: string; merged: boolean } {
  if (ours === theirs || base === theirs) return { body: ours, merged: false };
  if (base === ours) return { body: theirs, merged: false };
  if (ours.trim() === theirs.trim()) return { body: oursIsNewer ? ours : theirs, merged: false };
  // One side already holds the other's whole text (an earlier merge of the same edits): nothing is lost by taking it.
  if (ours.includes(theirs.trim())) return { body: ours, merged: false };
  if (theirs.includes(ours.trim())) return { body: theirs, merged: false };
  const [first, second] = oursIsNewer ? [theirs, ours] : [ours, theirs];
  return { body: `${first.replace(/\n+$/, '')}\n\n${MERGED_BODY_MARKER}\n\n${second.replace(/^\n+/, '')}`, merged: true };
}

interface MergeSpec {
  /** `updated` for tasks, `created` for messages and agents. */
  timeField: string;
  /** Keys to take from one side as a group; decided before the field-by-field pass. */
  grouped?: { keys: readonly string[]; from: 'ours' | 'theirs' } | undefined;
}

function mergeFlat(base: FlatRecord | null, ours: FlatRecord, theirs: FlatRecord, spec: MergeSpec): { merged: FlatRecord; contested: string[]; bodyMerged: boolean } {
  const oursIsNewer = compareSides(ours, theirs, spec.timeField) > 0;
  const fields: Fields = {};
  const contested: string[] = [];
  for (const key of unionKeys(base, ours, theirs)) {
    if (spec.grouped?.keys.includes(key)) {
      fields[key] = (spec.grouped.from === 'ours' ? ours : theirs).fields[key];
      continue;
    }
    const o = ours.fields[key];
    const t = theirs.fields[key];
    if (same(o, t)) fields[key] = o;
    else if (!changed(base, ours, key)) fields[key] = t;
    else if (!changed(base, theirs, key)) fields[key] = o;
    else {
      contested.push(key);
      fields[key] = oursIsNewer ? o : t;
    }
  }
  const body = mergeBodies(base?.body ?? null, ours.body, theirs.body, oursIsNewer);
  return { merged: { fields, body: body.body }, contested, bodyMerged: body.merged };
}

/**
 * When a side claimed the task. The file keeps no claim time: a claim sets
 * `updated`, and `started` (set when work begins, after the claim) is the
 * better bound once a side has moved on, since later edits push `updated` on.
 */
export function claimTime(base: Task, side: Task): string {
  return side.started !== null && side.started !== base.started ? side.started : side.updated;
}

function findClaimConflict(base: Task | null, ours: Task, theirs: Task): (ClaimConflict & { winnerSide: 'ours' | 'theirs' }) | null {
  if (!base || base.state !== 'pending' || base.assignee !== null) return null;
  if (!ours.assignee || !theirs.assignee || ours.assignee === theirs.assignee) return null;
  const oursAt = claimTime(base, ours);
  const theirsAt = claimTime(base, theirs);
  // The earlier claim wins; on equal times the smaller agent name, so both clones agree.
  const oursWins = oursAt !== theirsAt ? oursAt < theirsAt : ours.assignee < theirs.assignee;
  const [winner, loser] = oursWins ? [ours, theirs] : [theirs, ours];
  return {
    task: ours.id, title: winner.title, winner: winner.assignee!, loser: loser.assignee!,
    winnerClaimed: oursWins ? oursAt : theirsAt, loserClaimed: oursWins ? theirsAt : oursAt,
    winnerSide: oursWins ? 'ours' : 'theirs',
  };
}

export function mergeTasks(base: Task | null, ours: Task, theirs: Task): RecordMerge<Task> {
  const flat = (task: Task) => flatten(task, TASK_KEYS);
  const claim = findClaimConflict(base, ours, theirs);
  let grouped: MergeSpec['grouped'];
  if (claim) {
    grouped = { keys: LIFECYCLE_FIELDS, from: claim.winnerSide };
  } else {
    const both = (key: 'state' | 'assignee') => (base ? base[key] !== ours[key] && base[key] !== theirs[key] : true) && ours[key] !== theirs[key];
    if (both('state') || both('assignee')) {
      grouped = { keys: LIFECYCLE_FIELDS, from: compareSides(flat(ours), flat(theirs), 'updated') > 0 ? 'ours' : 'theirs' };
    }
  }
  const result = mergeFlat(base ? flat(base) : null, flat(ours), flat(theirs), { timeField: 'updated', grouped });
  const contested = grouped ? [...result.contested, ...LIFECYCLE_FIELDS.filter((key) => !same(ours[key], theirs[key]))] : result.contested;
  const claimConflict = claim ? { task: claim.task, title: claim.title, winner: claim.winner, loser: claim.loser, winnerClaimed: claim.winnerClaimed, loserClaimed: claim.loserClaimed } : null;
  return { merged: unflatten<Task>(result.merged, TASK_KEYS), contested, bodyMerged: result.bodyMerged, claim: claimConflict };
}

const MESSAGE_FIELDS = [...MESSAGE_KEYS, 'kind'] as const;

export function mergeMessages(base: Message | null, ours: Message, theirs: Message): RecordMerge<Message> {
  const flat = (message: Message) => flatten(message, MESSAGE_FIELDS);
  const result = mergeFlat(base ? flat(base) : null, flat(ours), flat(theirs), { timeField: 'created' });
  return { merged: unflatten<Message>(result.merged, MESSAGE_FIELDS), contested: result.contested, bodyMerged: result.bodyMerged, claim: null };
}

/** `worktree` and `mcp` are written only when true, so they are merged as known keys, not as unknown ones. */
const AGENT_FIELDS = [...AGENT_KEYS, 'worktree', 'mcp'] as const;

export function mergeAgents(base: Agent | null, ours: Agent, theirs: Agent): RecordMerge<Agent> {
  const flat = (agent: Agent) => flatten(agent, AGENT_FIELDS);
  const result = mergeFlat(base ? flat(base) : null, flat(ours), flat(theirs), { timeField: 'created' });
  return { merged: unflatten<Agent>(result.merged, AGENT_FIELDS), contested: result.contested, bodyMerged: result.bodyMerged, claim: null };
}

/** A reservation is written once and then narrowed or removed; both sides edited: field by field, the later `created` deciding. */
export function mergeReservations(base: Reservation | null, ours: Reservation, theirs: Reservation): RecordMerge<Reservation> {
  const flat = (reservation: Reservation) => flatten(reservation, RESERVATION_KEYS);
  const result = mergeFlat(base ? flat(base) : null, flat(ours), flat(theirs), { timeField: 'created' });
  return { merged: unflatten<Reservation>(result.merged, RESERVATION_KEYS), contested: result.contested, bodyMerged: result.bodyMerged, claim: null };
}

/** A plain YAML mapping (town.yml), leaf by leaf; a key changed on both sides goes to the value that sorts last. */
export function mergeMappings(base: Fields | null, ours: Fields, theirs: Fields): { merged: Fields; contested: string[] } {
  const merged: Fields = {};
  const contested: string[] = [];
  const isMapping = (value: unknown): value is Fields => value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
  const keys = [...new Set([...Object.keys(ours), ...Object.keys(theirs), ...Object.keys(base ?? {})])];
  for (const key of keys) {
    const b = base?.[key];
    const o = ours[key];
    const t = theirs[key];
    let value: unknown;
    if (isMapping(o) && isMapping(t)) {
      const inner = mergeMappings(isMapping(b) ? b : null, o, t);
      value = inner.merged;
      contested.push(...inner.contested.map((k) => `${key}.${k}`));
    } else if (same(o, t) || same(b, t)) value = o;
    else if (same(b, o)) value = t;
    else {
      contested.push(key);
      value = stableStringify(o) > stableStringify(t) ? o : t;
    }
    if (value !== undefined) merged[key] = value;
  }
  return { merged, contested };
}

/**
 * The message that tells the loser of a claim conflict. Its id and time are
 * derived from the conflict itself, not the clock: every clone that merges
 * the same two claims writes the byte-identical file, so delivering it twice
 * (two clones, or a repeated merge) makes one message, not two.
 */
export function claimNoticeMessage(conflict: ClaimConflict): Message {
  const created = isoNow(new Date(conflict.winnerClaimed > conflict.loserClaimed ? conflict.winnerClaimed : conflict.loserClaimed));
  const stamp = created.replace(/[-:.]/g, '');
  const suffix = hashBase32(`${conflict.task}|${conflict.winner}|${conflict.loser}|${conflict.winnerClaimed}|${conflict.loserClaimed}`);
  return {
    id: `${stamp}-${suffix}`,
    from: CONDUCTOR,
    to: conflict.loser,
    type: 'info',
    task: conflict.task,
    urgent: false,
    created,
    reply_to: null,
    kind: null,
    body: `${conflict.task} (${conflict.title}) was claimed for you and for ${conflict.winner} on different clones before they synced. `
      + `When the two claims met in a merge, the earlier one won: the task is ${conflict.winner}'s `
      + `(claimed ${conflict.winnerClaimed}; yours ${conflict.loserClaimed}).\n\n`
      + 'Stop work on it and pick another task from the backlog (tt backlog list).\n',
    extra: {},
  };
}

/** The alphabet of ids.ts: Crockford's base32. */
const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz';

/** Six base32 characters from FNV-1a: deterministic, not secret. */
function hashBase32(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  let out = '';
  for (let i = 0; i < 6; i++) {
    out += BASE32[hash & 31];
    hash >>>= 5;
  }
  return out;
}
