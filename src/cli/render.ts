/** Human output: pure functions from data to text. */
import type { Agent, AgentRunState, Message, Task } from '../core/types.js';
import type { TownEvent } from '../git/log.js';
import type { TownStatus } from '../app/status.js';
import type { ObservedRuntime } from '../store/runtime.js';
import { PLAIN, visibleLength, type Style } from './style.js';
import { describeUsage } from '../core/usage.js';

export function ago(iso: string | null, now: Date): string {
  if (!iso) return '-';
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (seconds < 10) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

function pad(text: string, width: number): string {
  const length = visibleLength(text);
  return length >= width ? text : text + ' '.repeat(width - length);
}

/** Columns padded to their widest cell (escape sequences take no width); the first row is the header. */
export function renderTable(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => visibleLength(row[column] ?? ''))));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : pad(cell, widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** One task as a table row: id, state, who (→ reviewer while in review), priority, tags, last change, title. */
function taskRow(task: Task, now: Date, style: Style): string[] {
  const who = task.assignee ?? 'backlog';
  const review = task.reviewer && task.state === 'review' ? ` → ${task.reviewer}` : '';
  return [task.id, style.state(task.state), who + review, style.priority(task.priority), task.tags.join(',') || '-', ago(task.updated, now), task.title];
}

export function renderTaskList(tasks: readonly Task[], empty: string, now: Date = new Date(), style: Style = PLAIN): string {
  if (tasks.length === 0) return empty;
  return renderTable([['ID', 'STATE', 'WHO', 'PRIORITY', 'TAGS', 'UPDATED', 'TITLE'].map(style.dim), ...tasks.map((task) => taskRow(task, now, style))]);
}

export function renderTask(task: Task): string {
  const lines = [
    `${task.id}  ${task.title}`,
    `  state:     ${task.state}`,
    `  assignee:  ${task.assignee ?? '-'}`,
    `  reviewer:  ${task.reviewer ?? '-'}`,
    `  priority:  ${task.priority}${task.tags.length ? `   tags: ${task.tags.join(', ')}` : ''}`,
    `  created:   ${task.created}   updated: ${task.updated}`,
  ];
  if (task.started) lines.push(`  started:   ${task.started}`);
  if (task.completed) lines.push(`  completed: ${task.completed}`);
  // A task worked in a worktree: its branch, and the commit an approval merges.
  if (task.branch) lines.push(`  branch:    ${task.branch}${task.review_commit ? `   review commit: ${task.review_commit}` : ''}`);
  if (task.approved_by) lines.push(`  approved:  by ${task.approved_by} at ${task.reviewed_commit ?? '(no commit)'}`);
  if (task.result) lines.push(`  result:    ${task.result.replace(/\n/g, '\n             ')}`);
  if (task.usage) lines.push(`  usage:     ${describeUsage(task.usage)}`);
  lines.push('', task.body.trimEnd());
  return lines.join('\n');
}

export function renderMessage(message: Message): string {
  const flags = [message.urgent ? 'URGENT' : '', message.type, message.task ?? ''].filter(Boolean).join(' · ');
  const header = `${message.id}  from ${message.from} to ${message.to}  (${flags})`;
  return `${header}\n${message.body.trimEnd().replace(/^/gm, '  ')}`;
}

/** 50000 → "50,000" (toLocaleString loads ICU's number formats: ~20 ms on the first call). */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** An inbox's shown messages; `unread` (all of them) says when more are unread than shown, and how to see them. */
export function renderInbox(agent: string, messages: readonly Message[], unread = messages.length): string {
  if (messages.length === 0) return `${agent}: no unread messages`;
  const count = unread > messages.length
    ? `${agent}: ${groupDigits(messages.length)} of ${groupDigits(unread)} unread (the newest) — --limit 0 for all`
    : `${agent}: ${messages.length} unread`;
  return [count, ...messages.map(renderMessage)].join('\n\n');
}

/** What each agent state means, for `tt status --help` and `--deep`. */
export const AGENT_STATE_MEANINGS: Readonly<Record<AgentRunState, string>> = {
  starting: 'its loop is starting',
  idle: 'waiting for mail (a file-system watch of its inbox)',
  working: 'a round is running: its CLI has the prompt',
  paused: 'tt interrupt paused it; tt resume continues',
  draining: 'finishing its round, then it stops (tt close)',
  stopped: 'its loop ended (tt restart starts it again)',
  error: 'its CLI failed rounds in a row; see its log (tt status --deep), then tt restart',
  stuck: 'rounds in a row ended without acting (no tt call, or every call failed); its mail stays unread; see its log, then tt restart',
  cold: 'registered, never started here (tt restart starts it; run-time state is per machine)',
};

export function renderStateLegend(): string {
  return `Agent states:\n${Object.entries(AGENT_STATE_MEANINGS).map(([state, meaning]) => `  ${state.padEnd(9)} ${meaning}`).join('\n')}`;
}

/** How many unread messages `tt status --deep` shows per agent: the newest, by subject; the count says the rest. */
export const DEEP_UNREAD_SHOWN = 3;

/** An inbox in brief: the count, then the newest few subjects (the first line of each). */
export function renderInboxBrief(agent: string, messages: readonly Message[], shown = DEEP_UNREAD_SHOWN): string {
  const urgent = messages.filter((m) => m.urgent).length;
  const newest = [...messages].sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0)).slice(0, shown);
  const lines = [`${agent}: ${messages.length} unread${urgent ? ` (${urgent} urgent)` : ''}${messages.length > shown ? `; the newest ${shown}:` : ':'}`];
  for (const message of newest) {
    const subject = message.body.trim().split('\n')[0]!.slice(0, 100);
    lines.push(`  ${message.urgent ? '! ' : ''}${message.created.slice(0, 16).replace('T', ' ')}  from ${message.from} (${message.type}): ${subject}`);
  }
  // tt inbox pages at 50 (DEFAULT_INBOX_LIMIT): past that, say how to see them all
  if (messages.length > shown) lines.push(`  … tt inbox ${agent}${messages.length > 50 ? ' --limit 0' : ''} shows all ${messages.length}`);
  return lines.join('\n');
}

export function renderAgents(agents: readonly Agent[]): string {
  return renderTable([
    ['NAME', 'ROLE', 'CLI', 'NICKNAME', 'PARENT'],
    ...agents.map((a) => [a.name, a.role, a.cli, a.nickname ?? '-', a.parent ?? '-']),
  ]);
}

export function renderStatus(status: TownStatus, options: { tasks: boolean; now?: Date; style?: Style }): string {
  const style = options.style ?? PLAIN;
  const counts = Object.entries(status.tasks).filter(([, n]) => n > 0).map(([state, n]) => `${n} ${state}`);
  const lines = [
    `Town ${status.town.name} (${status.town.root})`,
    `Tasks: ${counts.length ? counts.join(', ') : 'none'}`,
    '',
    renderTable([
      ['AGENT', 'ROLE', 'STATE', 'UNREAD', 'TASK'].map(style.dim),
      ...status.agents.map((a) => [a.name, a.role, style.state(a.state), a.urgent ? style.urgent(`${a.unread} (${a.urgent} urgent)`) : String(a.unread), a.current_task ?? '-']),
    ]),
  ];
  if (options.tasks) lines.push('', 'Open tasks:', renderTaskList(status.openTasks, '  (none)', options.now, style));
  return lines.join('\n');
}

export function renderHistory(events: readonly TownEvent[]): string {
  if (events.length === 0) return 'no town history yet';
  return events.map((e) => `${e.commit.slice(0, 8)}  ${e.time.replace('T', ' ').slice(0, 19)}  ${pad(e.agent, 12)}  ${pad(e.action, 12)}  ${e.summary}${e.reviewedBy ? `  (reviewed by ${e.reviewedBy})` : ''}`).join('\n');
}

export function renderAgentDetail(name: string, runtime: ObservedRuntime, log: readonly string[], now: Date): string {
  const uptime = runtime.alive && runtime.started ? ago(runtime.started, now).replace(' ago', '') : '-';
  const lines = [
    `${name}: ${runtime.state}${runtime.alive ? ` (pid ${runtime.pid})` : ''} · rounds ${runtime.rounds}${runtime.max_rounds ? `/${runtime.max_rounds}` : ''} · up ${uptime} · last activity ${ago(runtime.last_activity, now)}${runtime.reason ? ` · ${runtime.reason}` : ''}`,
    ...(runtime.usage ? [`  usage: ${describeUsage(runtime.usage)}`] : []),
    ...log.map((line) => `  | ${line}`),
  ];
  return lines.join('\n');
}
