/** Typed records ⇄ canonical file text. */
import { AGENT_KEYS, MESSAGE_KEYS, RESERVATION_KEYS, TASK_KEYS, type Agent, type Message, type Reservation, type Task } from '../core/types.js';
import { toAgent, toMessage, toReservation, toTask } from '../core/validate.js';
import { formatFrontmatter, parseFrontmatter } from './codec.js';

type Fields = Array<readonly [string, unknown]>;

function withExtra(fields: Fields, extra: Record<string, unknown>): Fields {
  return [...fields, ...Object.entries(extra)];
}

export function formatTask(task: Task): string {
  const fields: Fields = TASK_KEYS.map((key) => [key, task[key]] as const);
  return formatFrontmatter(withExtra(fields, task.extra), task.body);
}

export function formatMessage(message: Message): string {
  const fields: Fields = MESSAGE_KEYS.map((key) => [key, message[key]] as const);
  if (message.type === 'custom' || message.kind !== null) fields.push(['kind', message.kind]);
  return formatFrontmatter(withExtra(fields, message.extra), message.body);
}

export function formatAgent(agent: Agent): string {
  const fields: Fields = AGENT_KEYS.map((key) => [key, agent[key]] as const);
  if (agent.worktree) fields.push(['worktree', true]);
  if (agent.mcp) fields.push(['mcp', true]);
  return formatFrontmatter(withExtra(fields, agent.extra), agent.body);
}

export function parseTask(text: string, file: string): Task {
  const { data, body } = parseFrontmatter(text, file);
  return toTask(data, body, file);
}

export function parseMessage(text: string, file: string): Message {
  const { data, body } = parseFrontmatter(text, file);
  return toMessage(data, body, file);
}

export function parseAgent(text: string, file: string): Agent {
  const { data, body } = parseFrontmatter(text, file);
  return toAgent(data, body, file);
}

export function formatReservation(reservation: Reservation): string {
  const fields: Fields = RESERVATION_KEYS.map((key) => [key, reservation[key]] as const);
  return formatFrontmatter(withExtra(fields, reservation.extra), reservation.body);
}

export function parseReservation(text: string, file: string): Reservation {
  const { data, body } = parseFrontmatter(text, file);
  return toReservation(data, body, file);
}
