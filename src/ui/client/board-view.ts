/** The task board: a column per state, each a page of its newest tasks with a "more" button (never the whole town). */
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

export class BoardView {
  /** How many cards each column shows (grown by "more"). */
  private readonly shown = new Map<string, number>();
  private columns: Column[] = [];

  constructor(private readonly root: HTMLElement, private readonly refresh: () => void) {}

  /** Columns from the board document; columns grown past the first page are fetched at their size. */
  async render(columns: readonly Column[]): Promise<void> {
    this.columns = await Promise.all(columns.map(async (column) => {
      const wanted = this.shown.get(column.key) ?? COLUMN_PAGE;
      if (wanted <= column.tasks.length || column.total <= column.tasks.length) return column;
      return getJson<Column>(`/api/column/${column.key}?limit=${wanted}`);
    }));
    this.root.replaceChildren(...this.columns.map((column) => this.column(column)));
  }

  private column(column: Column): HTMLElement {
    const list = h('ul', { class: 'cards' }, ...column.tasks.map(card));
    const rest = column.total - column.tasks.length;
    const more = rest > 0 ? h('button', { class: 'more', type: 'button' }, `${numberFormat.format(rest)} more…`) : null;
    more?.addEventListener('click', () => {
      this.shown.set(column.key, column.tasks.length + COLUMN_PAGE * 2);
      this.refresh();
    });
    return h('section', { class: 'column', 'data-column': column.key },
      h('h3', {}, h('span', {}, column.title), h('span', { class: 'muted', 'data-count': '' }, numberFormat.format(column.total))),
      list, more);
  }
}
