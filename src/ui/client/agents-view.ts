/** Agent cards: live state, current task, unread mail (a page of the newest, opened on demand). */
import { getJson } from './api.js';
import { age, badge, firstLine, h, numberFormat, taskLink, usageText } from './dom.js';
import type { AgentCard, Inbox, MessageDoc } from './types.js';

const INBOX_PAGE = 8;
/** The server's page limit: further back is `tt inbox`'s job. */
const INBOX_MAX = 200;

function messageItem(message: MessageDoc): HTMLLIElement {
  return h('li', { 'data-message': message.id },
    h('div', { class: 'meta' },
      message.urgent ? h('span', { class: 'urgent' }, 'urgent · ') : null,
      `from ${message.from} · ${message.type} · ${age(message.created)} ago`,
      message.task ? ' · ' : null, message.task ? taskLink(message.task) : null),
    firstLine(message.body));
}

export class AgentsView {
  /** Agents whose inbox is open, and how many messages of it are shown. */
  private readonly openInboxes = new Map<string, number>();
  private readonly requests = new Map<string, number>();

  constructor(private readonly root: HTMLElement) {}

  render(agents: readonly AgentCard[]): void {
    const cards = agents.map((agent) => this.card(agent));
    this.root.replaceChildren(...(cards.length ? cards : [h('p', { class: 'muted' }, 'No agents yet: tt spawn backend')]));
    for (const agent of this.openInboxes.keys()) void this.loadInbox(agent);
  }

  private card(agent: AgentCard): HTMLElement {
    const state = badge(agent.state);
    if (agent.reason) state.title = agent.reason;
    const unread = agent.unread === 0
      ? h('span', { class: 'muted' }, 'no unread mail')
      : h('button', { class: 'inbox-toggle', type: 'button', 'aria-expanded': String(this.openInboxes.has(agent.name)) },
        `${numberFormat.format(agent.unread)} unread${agent.urgent ? ` (${agent.urgent} urgent)` : ''}`);
    unread.addEventListener('click', () => this.toggle(agent.name));
    return h('article', { class: 'agent', 'data-agent': agent.name },
      h('header', {}, h('span', { class: 'name' }, agent.name), h('span', { class: 'muted' }, agent.role), state),
      h('div', { class: 'current' }, agent.current_task
        ? h('span', {}, taskLink(agent.current_task.id), ` ${firstLine(agent.current_task.title, 60)}`)
        : h('span', { class: 'muted' }, 'no current task')),
      agent.usage ? h('div', { class: 'muted', 'data-usage': agent.name }, usageText(agent.usage)) : null,
      unread,
      h('ul', { class: 'inbox', 'data-inbox': agent.name, hidden: '' }));
  }

  private toggle(agent: string): void {
    if (this.openInboxes.has(agent)) {
      this.openInboxes.delete(agent);
      const list = this.root.querySelector<HTMLElement>(`[data-inbox="${agent}"]`);
      if (list) list.hidden = true;
      return;
    }
    this.openInboxes.set(agent, INBOX_PAGE);
    void this.loadInbox(agent);
  }

  private async loadInbox(agent: string): Promise<void> {
    // Only the newest request's answer is shown: an older one may arrive last.
    const request = (this.requests.get(agent) ?? 0) + 1;
    this.requests.set(agent, request);
    const shown = this.openInboxes.get(agent) ?? INBOX_PAGE;
    let items: HTMLElement[];
    try {
      const inbox = await getJson<Inbox>(`/api/inbox/${encodeURIComponent(agent)}?limit=${shown}`);
      items = inbox.messages.map(messageItem);
      if (inbox.unread > inbox.messages.length) {
        const more = h('button', { class: 'more', type: 'button' }, `${numberFormat.format(inbox.unread - inbox.messages.length)} older…`);
        more.addEventListener('click', () => {
          this.openInboxes.set(agent, Math.min(shown + INBOX_PAGE * 4, INBOX_MAX));
          void this.loadInbox(agent);
        });
        if (shown < INBOX_MAX) items.push(h('li', {}, more));
      }
    } catch (error) {
      items = [h('li', { class: 'error' }, `Could not load the inbox: ${error instanceof Error ? error.message : String(error)}`)];
    }
    const list = this.root.querySelector<HTMLElement>(`[data-inbox="${agent}"]`);
    if (!list || this.requests.get(agent) !== request || !this.openInboxes.has(agent)) return;
    list.replaceChildren(...items);
    list.hidden = false;
  }
}
