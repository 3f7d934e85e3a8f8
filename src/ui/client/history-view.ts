/** The town's history, newest first: who did what, and for reviews which commit was approved or rejected. */
import { age, h, taskLink } from './dom.js';
import type { TimelineEntry } from './types.js';

export function timelineItem(entry: TimelineEntry): HTMLLIElement {
  const what = h('span', { class: `action-${entry.action}` }, entry.action);
  // A rejection's subject is cut short; its reason trailer has all of it.
  const details: Array<Node | string> = [entry.action === 'reject' && entry.reason && entry.task ? `${entry.task}: ${entry.reason}` : entry.summary];
  if (entry.reviewed_commit) details.push(' · reviewed ', h('code', { class: 'sha', title: entry.reviewed_commit }, entry.reviewed_commit.slice(0, 10)));
  if (entry.task) details.push(' · ', taskLink(entry.task));
  return h('li', { 'data-commit': entry.commit, 'data-action': entry.action },
    h('span', { class: 'when', title: entry.time }, `${age(entry.time)} ago`),
    h('span', {}, what, ' ', h('span', { class: 'muted' }, entry.agent)),
    h('span', {}, ...details));
}

export function renderTimeline(root: HTMLElement, entries: readonly TimelineEntry[]): void {
  root.replaceChildren(...(entries.length ? entries.map(timelineItem) : [h('li', { class: 'muted' }, 'Nothing has happened yet.')]));
}
