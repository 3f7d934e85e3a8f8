/** The task board: a column per state, each showing one page of its most recently updated tasks, paged (never the whole town). */
import { getJson } from './api.js';
import { age, h, numberFormat, taskLink } from './dom.js';
import type { Column, TaskCard } from './types.js';

export const COLUMN_PAGE = 25;

function card(task: TaskCard): HTMLLIElement {
  const who = task.assignee ? (task.reviewer ? `${task.assignee} → ${task.reviewer}` : task.assignee) : 'unassigned';
  const priority = task.priority === 'normal' ? null : h('span', { class: `badge p-${task.priority}` }, task.priority);
  const title = taskLink(task.id, task.title);
  title.classList.add('title');
  return h('li', { class: 'card', 'data-task-card': task.id },
    title,
    h('div', { class: 'meta' },
      h('code', {}, task.id), h('span', {}, who), priority,
      h('span', { title: `created ${task.created}, updated ${task.updated}` }, age(task.created)),
      task.approved_by ? h('span', { title: task.reviewed_commit ? `reviewed commit ${task.reviewed_commit}` : '' }, `✓ ${task.approved_by}`) : null));
}

function pagerButton(label: string, enabled: boolean, go: () => void): HTMLButtonElement {
  const button = h('button', { class: 'page', type: 'button' }, label);
  button.disabled = !enabled;
  button.addEventListener('click', go);
  return button;
}

export class BoardView {
  /** Where each column's page starts (0: its newest tasks). */
  private readonly offsets = new Map<string, number>();

  constructor(private readonly root: HTMLElement, private readonly refresh: () => void) {}

  /** Columns from the board document (their first pages); a column paged further is fetched at its page. */
  async render(columns: readonly Column[]): Promise<void> {
    const shown = await Promise.all(columns.map((column) => {
      const offset = Math.min(this.offsets.get(column.key) ?? 0, Math.max(0, column.total - 1));
      return offset === 0 ? column : getJson<Column>(`/api/column/${column.key}?offset=${offset}&limit=${COLUMN_PAGE}`);
    }));
    this.root.replaceChildren(...shown.map((column) => this.column(column)));
  }

  private column(column: Column): HTMLElement {
    const list = h('ul', { class: 'cards' }, ...column.tasks.map(card));
    const go = (offset: number) => () => {
      this.offsets.set(column.key, offset);
      this.refresh();
    };
    const last = column.offset + column.tasks.length;
    const pager = column.total > COLUMN_PAGE
      ? h('div', { class: 'pager' },
        pagerButton('‹ newer', column.offset > 0, go(Math.max(0, column.offset - COLUMN_PAGE))),
        h('span', { class: 'muted' }, `${numberFormat.format(column.offset + 1)}–${numberFormat.format(last)}`),
        pagerButton('older ›', last < column.total, go(column.offset + COLUMN_PAGE)))
      : null;
    return h('section', { class: 'column', 'data-column': column.key },
      h('h3', {}, h('span', {}, column.title), h('span', { class: 'muted', 'data-count': '' }, numberFormat.format(column.total))),
      list, pager);
  }
}
