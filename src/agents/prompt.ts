/** One round's prompt: the agent's role text, its messages and task, and a cheat-sheet of tt commands. */
import { readFileSync } from 'node:fs';
import type { Agent, Message, Task } from '../core/types.js';
import { templatePath } from '../package-root.js';

export interface PromptInput {
  town: string;
  agent: Agent;
  round: number;
  task: Task | undefined;
  messages: readonly Message[];
}

/** Informational messages and acks are folded into one short line each; the rest are shown whole. */
export function isInformational(message: Message): boolean {
  return message.type === 'info' || message.type === 'ack';
}

/** A header line per message that people and the scripted agent can both read. */
export function messageHeader(message: Message): string {
  return `### Message ${message.id} · ${message.type} from ${message.from}${message.urgent ? ' · URGENT' : ''} · task ${message.task ?? '-'}`;
}

export function buildPrompt(input: PromptInput, template = readFileSync(templatePath('prompts', 'round.md'), 'utf8')): string {
  const actionable = input.messages.filter((m) => !isInformational(m));
  const informational = input.messages.filter(isInformational);
  const messages = actionable.length === 0 ? '(none that need action)' : actionable.map((m) => `${messageHeader(m)}\n${m.body.trim()}`).join('\n\n');
  const summary = informational.length === 0 ? '' : `## For your information (${informational.length})\n${informational.map((m) => `- ${m.from} (${m.type}): ${m.body.trim().split('\n')[0]}`).join('\n')}`;
  const task = input.task
    ? `${input.task.id} — ${input.task.title} (${input.task.state}${input.task.reviewer ? `, reviewer ${input.task.reviewer}` : ''})\n\n${input.task.body.trim()}`
    : '(no assigned task)';
  // An agent in a worktree of its own is told where its work goes, and how a merge conflict comes back (DESIGN §6).
  const workspace = input.agent.worktree
    ? `\n\nYou work in a git worktree of your own. \`tt task start <id>\` checks out the task's branch (tt/<id>) there: commit your work on it, never on the town's branch. \`tt review\` hands over the branch tip; the approval merges exactly that commit. Files others reserved: \`tt reservations\`; reserve yours: \`tt reserve PATH --exclusive --task <id>\`.${input.task?.branch ? ` This task's branch: ${input.task.branch}.` : ''}`
    : '';
  const values: Record<string, string> = {
    agent: input.agent.name, role: input.agent.role, town: input.town, round: String(input.round),
    instructions: input.agent.body.trim(), task: `${task}${workspace}`, messages, summary, message_count: String(input.messages.length),
  };
  return template.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole);
}
