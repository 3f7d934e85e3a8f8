/** A task's page: its fields and description, the review decision (when in review), its messages and timeline. */
import { age, badge, h, usageText } from './dom.js';
import { fillAgentSelects, wireForm } from './forms.js';
import { renderTimeline } from './history-view.js';
import type { AgentCard, MessageDoc, TaskPage } from './types.js';

function field(name: string, value: Node | string | null): Node[] {
  return [h('dt', {}, name), h('dd', {}, value ?? '—')];
}

function message(doc: MessageDoc): HTMLLIElement {
  return h('li', { 'data-message': doc.id },
    h('div', { class: 'muted' }, `${doc.from} → ${doc.to} · ${doc.type}${doc.urgent ? ' · urgent' : ''} · ${age(doc.created)} ago`),
    h('div', { class: 'body' }, doc.body));
}

/** Approve and reject forms; they act as the task's reviewer unless another agent (the conductor) is chosen. */
function decisionForms(page: TaskPage, agents: readonly AgentCard[], onDone: (what: string) => void): HTMLElement {
  const as = () => h('label', {}, 'As', h('select', { name: 'as', 'data-agents': page.task.reviewer ?? 'conductor' }));
  const approve = h('form', { class: 'action', 'data-action': 'approve', id: 'approve-form' },
    h('h3', {}, 'Approve'), h('input', { type: 'hidden', name: 'id', value: page.task.id }), as(),
    h('label', {}, 'Note (optional)', h('input', { type: 'text', name: 'message' })),
    h('button', { type: 'submit' }, 'Approve'), h('p', { class: 'result', role: 'status' }));
  const reject = h('form', { class: 'action', 'data-action': 'reject', id: 'reject-form' },
    h('h3', {}, 'Request changes'), h('input', { type: 'hidden', name: 'id', value: page.task.id }), as(),
    h('label', {}, 'Reason (the concrete fix)', h('textarea', { name: 'reason', rows: '2' })),
    h('button', { type: 'submit', class: 'danger' }, 'Reject'), h('p', { class: 'result', role: 'status' }));
  const section = h('section', { class: 'decide' }, approve, reject);
  wireForm(approve, onDone);
  wireForm(reject, onDone);
  return section;
}

/**
 * Draws the task's page. The review forms are kept as they are (with whatever
 * the reviewer has typed) while the task is still the same review: only a
 * change of state or reviewer draws them anew.
 */
export function renderTaskPage(root: HTMLElement, page: TaskPage, agents: readonly AgentCard[], onDone: (what: string) => void): void {
  const { task } = page;
  const decisionKey = `${task.id}:${task.state}:${task.reviewer ?? ''}`;
  const kept = root.querySelector<HTMLElement>('[data-decision]');
  let decision: HTMLElement | null = null;
  if (task.state === 'review') {
    decision = kept?.dataset.decision === decisionKey ? kept : h('section', { class: 'panel', 'data-decision': decisionKey }, h('h2', {}, 'Review'), decisionForms(page, agents, onDone));
    fillAgentSelects(decision, agents);
  }
  const timeline = h('ol', { class: 'timeline' });
  renderTimeline(timeline, page.timeline);
  root.replaceChildren(
    h('p', {}, h('a', { href: '#/' }, '← board')),
    h('section', { class: 'panel', 'data-task-page': task.id },
      h('div', { class: 'task-head' }, h('h2', {}, task.title), badge(task.state), h('code', {}, task.id)),
      h('dl', { class: 'fields' },
        ...field('assignee', task.assignee), ...field('reviewer', task.reviewer), ...field('priority', task.priority),
        ...field('created', `${task.created} (${age(task.created)} ago)`), ...field('updated', task.updated),
        ...field('approved by', task.approved_by),
        ...field('branch', task.branch ? h('code', {}, task.branch) : null),
        ...field('review commit', task.review_commit ? h('code', { title: 'the branch tip handed to review: what an approval merges' }, task.review_commit) : null),
        ...field('reviewed commit', task.reviewed_commit ? h('code', {}, task.reviewed_commit) : null),
        ...field('result', task.result), ...field('usage', task.usage ? usageText(task.usage) : null), ...field('file', h('code', {}, task.path))),
      h('pre', { class: 'description' }, task.body.trim() || '(no description)')),
    decision ?? '',
    h('section', { class: 'panel' }, h('h2', {}, `Messages (${page.messages.length})`),
      page.messages.length ? h('ul', { class: 'messages' }, ...page.messages.map(message)) : h('p', { class: 'muted' }, 'No messages about this task.')),
    h('section', { class: 'panel' }, h('h2', {}, 'Timeline'), timeline));
}
