/** The one JSON envelope (DESIGN §4) and the record → JSON shapes. */
import type { Agent, Message, Task } from '../core/types.js';
import type { TownEvent } from '../git/log.js';
import { townPaths } from '../store/paths.js';
import { TinytownError } from '../errors.js';

export const SCHEMA_VERSION = 1;

export function envelope(kind: string, payload: Record<string, unknown>): string {
  return `${JSON.stringify({ schemaVersion: SCHEMA_VERSION, kind, ...payload }, null, 2)}\n`;
}

/** The same envelope on one line: one record of a stream (NDJSON). */
export function envelopeLine(kind: string, payload: Record<string, unknown>): string {
  return `${JSON.stringify({ schemaVersion: SCHEMA_VERSION, kind, ...payload })}\n`;
}

export function errorEnvelope(error: unknown): string {
  const known = error instanceof TinytownError;
  return envelope('error', {
    code: known ? error.code : 'bug',
    message: error instanceof Error ? error.message : String(error),
  });
}

export function taskJson(task: Task): Record<string, unknown> {
  const { body, extra, ...fields } = task;
  return { ...fields, ...extra, body, path: townPaths.task(task.id) };
}

export function messageJson(message: Message, read = false): Record<string, unknown> {
  const { body, extra, kind, ...fields } = message;
  return {
    ...fields, ...(kind !== null ? { kind } : {}), ...extra, body,
    path: read ? townPaths.read(message.to, message.id) : townPaths.unread(message.to, message.id),
  };
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
