/** `tt summary`: the coordination in a commit range, as Markdown for a pull-request description. */
import type { Task, TaskUsage } from '../core/types.js';
import { describeUsage, sumTaskUsage } from '../core/usage.js';
import { readTownLog, type TownEvent } from '../git/log.js';
import { pullRequestRange } from '../git/range.js';
import { listTasks } from '../store/reader.js';
import type { Town } from '../store/town.js';
import { isOpen } from '../core/transitions.js';

export interface SummaryEntry {
  task: string;
  title: string;
  agent: string;
  commit: string;
  time: string;
  reviewed_commit?: string | null;
  reason?: string | null;
  to?: string | null;
}

export interface CoordinationSummary {
  range: string;
  description: string;
  opened: SummaryEntry[];
  handed_off: SummaryEntry[];
  approved: SummaryEntry[];
  rejected: SummaryEntry[];
  completed: SummaryEntry[];
  still_open: Array<{ task: string; title: string; state: string; assignee: string | null; reviewer: string | null }>;
  /** The tasks of the range that have usage: each task's totals so far (not only the range's rounds). */
  usage: Array<{ task: string; title: string; usage: TaskUsage }>;
  usage_total: TaskUsage | null;
}

function entry(event: TownEvent, titles: Map<string, string>): SummaryEntry {
  const task = event.task ?? '';
  return {
    task, title: titles.get(task) ?? event.summary.replace(/^t-\w+(:| to \S+:)\s*/, ''),
    agent: event.agent, commit: event.commit, time: event.time,
  };
}

export function summarise(events: readonly TownEvent[], tasks: readonly Task[], range: string, description: string): CoordinationSummary {
  const titles = new Map(tasks.map((task) => [task.id, task.title]));
  const pick = (...actions: string[]) => events.filter((event) => event.task && actions.includes(event.action));
  const touched = new Set(events.map((event) => event.task).filter(Boolean));
  const withUsage = tasks.filter((task) => task.usage && touched.has(task.id));
  return {
    range, description,
    opened: pick('assign', 'backlog-add').map((e) => entry(e, titles)),
    handed_off: pick('review').map((e) => ({ ...entry(e, titles), to: /^t-\w+ to (\S+):/.exec(e.summary)?.[1] ?? null })),
    approved: pick('approve').map((e) => ({ ...entry(e, titles), reviewed_commit: e.trailers['Tinytown-Reviewed-Commit']?.[0] ?? null })),
    rejected: pick('reject').map((e) => ({ ...entry(e, titles), reason: e.trailers['Tinytown-Reason']?.[0] ?? null })),
    completed: pick('complete').map((e) => entry(e, titles)),
    still_open: tasks.filter((task) => isOpen(task) && touched.has(task.id))
      .map((task) => ({ task: task.id, title: task.title, state: task.state, assignee: task.assignee, reviewer: task.reviewer })),
    usage: withUsage.map((task) => ({ task: task.id, title: task.title, usage: task.usage! })),
    usage_total: sumTaskUsage(withUsage.map((task) => task.usage)),
  };
}

export async function coordinationSummary(town: Town, rangeInput?: string): Promise<CoordinationSummary> {
  const { range, description } = rangeInput ? { range: rangeInput, description: rangeInput } : await pullRequestRange(town.root);
  const events = await readTownLog({ root: town.root, range, reverse: true });
  return summarise(events, listTasks(town.root).items, range, description);
}

const short = (commit: string | null | undefined) => (commit ? commit.slice(0, 8) : '?');

/**
 * User text (titles, reasons, names as typed) as inert Markdown on one line:
 * a title cannot add a heading, a fake **Approved** section, a link or an
 * image to a pull-request description, nor mention anyone. The text sits
 * mid-line (line breaks become spaces), so only inline syntax needs escaping:
 * emphasis, code, links and images, HTML and entities, tables, strikethrough
 * and @mentions.
 */
export function markdownText(text: string | null | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ').trim().replace(/[\\`*_[\]()<>!|~@&]/g, (char) => `\\${char}`);
}

export function renderSummaryMarkdown(summary: CoordinationSummary): string {
  const out = [`### Coordination (${summary.description})`, ''];
  const section = (title: string, lines: string[]) => {
    if (lines.length === 0) return;
    out.push(`**${title}**`, '', ...lines, '');
  };
  const md = markdownText;
  const id = (task: string | null | undefined) => `\`${(task ?? '?').replace(/[^a-z0-9-]/g, '')}\``;
  section('Approved', summary.approved.map((e) => `- ${id(e.task)} ${md(e.title)} — approved by **${md(e.agent)}** at \`${short(e.reviewed_commit)}\` (${short(e.commit)})`));
  section('Changes requested', summary.rejected.map((e) => `- ${id(e.task)} ${md(e.title)} — **${md(e.agent)}**: ${e.reason ? md(e.reason) : '(no reason recorded)'}`));
  section('Handed off for review', summary.handed_off.map((e) => `- ${id(e.task)} ${md(e.title)} — ${md(e.agent)} → ${md(e.to ?? 'reviewer')}`));
  section('Completed without review', summary.completed.map((e) => `- ${id(e.task)} ${md(e.title)} — ${md(e.agent)}`));
  section('Opened', summary.opened.map((e) => `- ${id(e.task)} ${md(e.title)} — by ${md(e.agent)}`));
  section('Still open', summary.still_open.map((t) => `- ${id(t.task)} ${md(t.title)} — ${t.state}${t.assignee ? `, ${md(t.assignee)}` : ''}${t.state === 'review' && t.reviewer ? ` → ${md(t.reviewer)}` : ''}`));
  if (summary.usage.length > 0) {
    const total = summary.usage_total && summary.usage.length > 1 ? [`- all ${summary.usage.length} tasks: ${describeUsage(summary.usage_total)}`] : [];
    section('Usage (as the agent CLIs reported it; each task\'s totals so far)', [...summary.usage.map((u) => `- ${id(u.task)} ${md(u.title)} — ${describeUsage(u.usage)}`), ...total]);
  }
  if (out.length === 2) out.push('No coordination in this range.', '');
  return out.join('\n').trimEnd();
}
