/**
 * The board page: loads what the current view shows, and loads it again
 * whenever the server's event stream says the town changed (a tt command, an
 * agent editing a file, a git pull) — one refresh at a time, the latest wins.
 */
import { getJson, pageToken } from './api.js';
import { AgentsView } from './agents-view.js';
import { BoardView, COLUMN_PAGE } from './board-view.js';
import { byId, h, numberFormat } from './dom.js';
import { fillAgentSelects, wireForm } from './forms.js';
import { renderTimeline } from './history-view.js';
import { renderTaskPage } from './task-view.js';
import type { AgentCard, Board, TaskPage, TimelineEntry } from './types.js';

const HISTORY_LENGTH = 30;
/** How long the note of a change made from this page stays in the header. */
const FLASH_MS = 8_000;

type Route = { view: 'home' } | { view: 'task'; id: string };

function currentRoute(): Route {
  const match = /^#\/task\/([\w-]+)$/.exec(location.hash);
  return match ? { view: 'task', id: match[1]! } : { view: 'home' };
}

class BoardPage {
  private agents: AgentCard[] = [];
  private readonly agentsView = new AgentsView(byId('agents'));
  private readonly boardView = new BoardView(byId('board'), () => this.refresh());
  private refreshing = false;
  private again = false;
  /** What the task page last showed, so an unrelated change does not wipe a half-written reason. */
  private taskShown = '';
  /** Files the server skipped (damaged, unreadable): shown until they are fixed. */
  private problems: string[] = [];

  start(): void {
    for (const form of Array.from(document.querySelectorAll<HTMLFormElement>('#home form.action'))) wireForm(form, (what) => this.done(what));
    window.addEventListener('hashchange', () => {
      this.taskShown = '';
      this.refresh();
    });
    this.listen();
    this.refresh();
  }

  /** Server-sent events: "hello" when connected, "change" when the town changed. EventSource reconnects by itself. */
  private listen(): void {
    const live = byId('live');
    const events = new EventSource('/api/events');
    events.addEventListener('hello', () => {
      live.dataset.state = 'live';
      live.textContent = 'live';
      this.refresh();
    });
    events.addEventListener('change', () => this.refresh());
    events.addEventListener('error', () => {
      live.dataset.state = 'down';
      live.textContent = 'reconnecting…';
    });
  }

  refresh(): void {
    if (this.refreshing) {
      this.again = true;
      return;
    }
    this.refreshing = true;
    this.load()
      .then(() => this.showBanner([]))
      .catch((error: unknown) => this.showBanner([`Could not load the board: ${error instanceof Error ? error.message : String(error)}`]))
      .finally(() => {
        this.refreshing = false;
        if (this.again) {
          this.again = false;
          this.refresh();
        }
      });
  }

  private async load(): Promise<void> {
    const route = currentRoute();
    byId('home').hidden = route.view !== 'home';
    byId('task-page').hidden = route.view !== 'task';
    if (route.view === 'task') return this.loadTask(route.id);
    const [board, history] = await Promise.all([
      getJson<Board>(`/api/board?per=${COLUMN_PAGE}`),
      getJson<{ events: TimelineEntry[] }>(`/api/history?limit=${HISTORY_LENGTH}`),
    ]);
    this.agents = board.agents;
    byId('town-name').textContent = board.town.name;
    document.title = `${board.town.name} · Tinytown`;
    byId('counts').textContent = `${board.agents.length} agents · ${numberFormat.format(board.open)} open of ${numberFormat.format(board.total)} tasks`;
    this.agentsView.render(board.agents);
    await this.boardView.render(board.columns);
    renderTimeline(byId('history'), history.events);
    fillAgentSelects(byId('home'), board.agents);
    document.body.dataset.version = String(board.version);
    this.problems = board.problems.map((p) => `Skipped ${p.file}: ${p.message} (tt doctor)`);
  }


  private async loadTask(id: string): Promise<void> {
    const [page, agents] = await Promise.all([
      getJson<TaskPage>(`/api/task/${encodeURIComponent(id)}`),
      this.agents.length ? Promise.resolve({ agents: this.agents }) : getJson<{ agents: AgentCard[] }>('/api/agents'),
    ]);
    this.agents = agents.agents;
    const signature = JSON.stringify(page);
    if (signature === this.taskShown) return;
    this.taskShown = signature;
    renderTaskPage(byId('task-page'), page, this.agents, (what) => this.done(what));
  }

  /** A change made from this page: said in the header (the form itself may be redrawn by the refresh). */
  private done(what: string): void {
    const flash = byId('flash');
    flash.textContent = what;
    flash.hidden = false;
    clearTimeout(this.flashTimer);
    this.flashTimer = setTimeout(() => { flash.hidden = true; }, FLASH_MS);
    this.refresh();
  }

  private flashTimer: ReturnType<typeof setTimeout> | undefined;

  private showBanner(errors: string[]): void {
    const lines = [...errors, ...this.problems];
    if (!pageToken()) lines.push('Read-only: open the board from the URL tt ui printed (it carries the token that allows changes).');
    const banner = byId('banner');
    banner.hidden = lines.length === 0;
    banner.replaceChildren(...lines.map((line) => h('div', {}, line)));
  }
}

new BoardPage().start();
