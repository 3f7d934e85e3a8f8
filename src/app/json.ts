/** The one JSON envelope (DESIGN §4) and the record → JSON shapes. */
import type { Agent, Message, Reservation, Task } from '../core/types.js';
import { isExpired } from '../core/reservations.js';
import type { TownEvent } from '../git/log.js';
import { townPaths } from '../store/paths.js';
import { asTinytownError } from '../errors.js';

export const SCHEMA_VERSION = 1;

export function envelope(kind: string, payload: Record<string, unknown>): string {
  return `${JSON.stringify({ schemaVersion: SCHEMA_VERSION, kind, ...payload }, null, 2)}\n`;
}

/**
 * Parts of a large envelope rendered earlier (and cached: see viewInbox) are
 * spliced in rather than stringified again: the payload holds rawJsonSlot(i)
 * where rendered[i] goes, each rendered as JSON.stringify(value, null, 2)
 * indented for where it sits (indentedJson), so the document is byte for byte
 * what envelope() would print. A slot's JSON form cannot come from any other
 * string: it is made of NUL characters, which no name or path holds. The
 * parts stay bytes (UTF-8) from the cache file to stdout.
 */
export function rawJsonSlot(index: number): string {
  return `\u0000tt-raw-json:${index}\u0000`;
}

const RAW_JSON_SLOT = /"\\u0000tt-raw-json:(\d+)\\u0000"/;

export function envelopeWithRawJson(kind: string, payload: Record<string, unknown>, rendered: readonly Buffer[]): Buffer[] {
  const parts = envelope(kind, payload).split(RAW_JSON_SLOT);
  return parts.map((part, i) => (i % 2 === 0 ? Buffer.from(part) : rendered[Number(part)] ?? Buffer.from('null')));
}

/**
 * JSON.stringify(value, null, 2) of a value as it reads `depth` levels deep in
 * a document rendered the same way: stringified inside `depth` one-key
 * wrappers and cut out, so that V8 does the indenting (no pass over the text).
 */
export function indentedJson(value: unknown, depth: number): string {
  let wrapped = value;
  let head = 0;
  let tail = 0;
  for (let level = 0; level < depth; level++) {
    wrapped = { v: wrapped };
    head += `{\n${'  '.repeat(level + 1)}"v": `.length;
    tail += `\n${'  '.repeat(level)}}`.length;
  }
  const json = JSON.stringify(wrapped, null, 2);
  return depth === 0 ? json : json.slice(head, json.length - tail);
}

/** The same envelope on one line: one record of a stream (NDJSON). */
export function envelopeLine(kind: string, payload: Record<string, unknown>): string {
  return `${JSON.stringify({ schemaVersion: SCHEMA_VERSION, kind, ...payload })}\n`;
}

export function errorEnvelope(error: unknown): string {
  const known = asTinytownError(error);
  return envelope('error', {
    code: known ? known.code : 'bug',
    message: known ? known.message : error instanceof Error ? error.message : String(error),
  });
}

/** True when spreading `extra` after the fields cannot differ from setting its keys one by one. */
function plainExtra(extra: Record<string, unknown>): boolean {
  for (const key in extra) if (key === '__proto__') return false;
  return true;
}

// taskJson and messageJson build their objects field by field (the keys in their
// canonical order, then the extra keys, then body and path): the same object the
// spread form gives, several times faster, which `tt inbox --all` feels at 50,000 messages.

export function taskJson(task: Task): Record<string, unknown> {
  const { extra } = task;
  if (!plainExtra(extra)) {
    const { body, extra: _extra, ...fields } = task;
    return { ...fields, ...extra, body, path: townPaths.task(task.id) };
  }
  const json: Record<string, unknown> = {
    id: task.id, title: task.title, state: task.state, assignee: task.assignee, reviewer: task.reviewer,
    priority: task.priority, tags: task.tags, parent: task.parent, created: task.created, updated: task.updated,
    started: task.started, completed: task.completed, result: task.result, approved_by: task.approved_by,
    reviewed_commit: task.reviewed_commit, branch: task.branch, review_commit: task.review_commit, usage: task.usage,
  };
  for (const key in extra) json[key] = extra[key];
  json.body = task.body;
  json.path = townPaths.task(task.id);
  return json;
}

export function messageJson(message: Message, read = false): Record<string, unknown> {
  const { extra } = message;
  const path = read ? townPaths.read(message.to, message.id) : townPaths.unread(message.to, message.id);
  if (!plainExtra(extra)) {
    const { body, extra: _extra, kind, ...fields } = message;
    return { ...fields, ...(kind !== null ? { kind } : {}), ...extra, body, path };
  }
  const json: Record<string, unknown> = {
    id: message.id, from: message.from, to: message.to, type: message.type, task: message.task,
    urgent: message.urgent, created: message.created, reply_to: message.reply_to,
  };
  if (message.kind !== null) json.kind = message.kind;
  for (const key in extra) json[key] = extra[key];
  json.body = message.body;
  json.path = path;
  return json;
}

export function agentJson(agent: Agent): Record<string, unknown> {
  const { body, extra, ...fields } = agent;
  return { ...fields, ...extra, instructions: body, path: townPaths.agent(agent.name) };
}

export function eventJson(event: TownEvent): Record<string, unknown> {
  return {
    commit: event.commit, time: event.time, action: event.action, agent: event.agent, task: event.task,
    message: event.messages[0] ?? null, summary: event.summary,
    ...(event.reviewedBy ? { reviewed_by: event.reviewedBy } : {}),
  };
}

export function reservationJson(reservation: Reservation, now: Date): Record<string, unknown> {
  const { body, extra, ...fields } = reservation;
  return { ...fields, ...extra, expired: isExpired(reservation, now), body, path: townPaths.reservation(reservation.id) };
}
