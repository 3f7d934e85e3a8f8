/**
 * The board page: loads what the current view shows, and loads again what a
 * change touched whenever the server's event stream says the town changed (a
 * tt command, an agent editing a file, a git pull) — one refresh at a time,
 * changes heard meanwhile gathered into the next.
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

/** What changed, as the server names it (src/ui/live.ts); ALL: load the whole view. */
type Area = 'agents' | 'tasks' | 'inbox' | 'history' | 'town';
const ALL: readonly Area[] = ['agents', 'tasks', 'inbox', 'history', 'town'];

type Route = { view: 'home' } | { view: 'task'; id: string };

function currentRoute(): Route {
  const match = /^#\/task\/([\w-]+)$/.exec(location.hash);
  return match ? { view: 'task', id: match[1]! } : { view: 'home' };
}

const touches = (areas: ReadonlySet<Area>, ...wanted: Area[]) => wanted.some((area) => areas.has(area));

class BoardPage {
  private agents: AgentCard[] = [];
  private readonly agentsView = new AgentsView(byId('agents'));
  private readonly boardView = new BoardView(byId('board'), () => this.refresh());
  private refreshing = false;
  /** Areas changed while a refresh was running: the next refresh loads them. */
  private waiting = new Set<Area>();
  /** Files the server skipped (damaged, unreadable): shown until they are fixed. */
  private problems: string[] = [];
  private events: EventSource | undefined;
  private flashTimer: ReturnType<typeof setTimeout> | undefined;

  start(): void {
    // The token is kept for this tab and taken out of the address bar (and so out of the browser's history).
    if (pageToken() && new URLSearchParams(location.search).has('token')) history.replaceState(null, '', `${location.pathname}${location.hash}`);
    for (const form of Array.from(document.querySelectorAll<HTMLFormElement>('#home form.action'))) wireForm(form, (what) => this.done(what));
    window.addEventListener('hashchange', () => this.refresh());
    // A hidden tab gives its connection back (browsers allow six per host); coming back reconnects and reloads.
    document.addEventListener('visibilitychange', () => (document.hidden ? this.disconnect() : this.connect()));
    this.connect();
    this.refresh();
  }

  /** Server-sent events: "hello" when (re)connected, "change" with the areas that changed. EventSource reconnects by itself. */
  private connect(): void {
    if (this.events) return;
    const live = byId('live');
    const events = new EventSource('/api/events');
    let greeted = false;
    events.addEventListener('hello', () => {
      live.dataset.state = 'live';
      live.textContent = 'live';
      // The first hello comes with the first load; a later one (a reconnect) means changes may have been missed.
      if (greeted) this.refresh();
      greeted = true;
    });
    events.addEventListener('change', (event) => {
      const { areas } = JSON.parse((event as MessageEvent<string>).data) as { areas: Area[] };
      this.refresh(areas);
    });
    events.addEventListener('error', () => {
      live.dataset.state = 'down';
      live.textContent = 'reconnecting…';
    });
    this.events = events;
  }

  private disconnect(): void {
    this.events?.close();
    this.events = undefined;
  }

  refresh(areas: readonly Area[] = ALL): void {
    for (const area of areas) this.waiting.add(area);
    if (this.refreshing) return;
    const now = this.waiting;
    this.waiting = new Set();
    this.refreshing = true;
    this.load(now)
      .then(() => this.showBanner([]))
      .catch((error: unknown) => this.showBanner([`Could not load the board: ${error instanceof Error ? error.message : String(error)}`]))
      .finally(() => {
        this.refreshing = false;
        if (this.waiting.size) this.refresh([]);
      });
  }

  private async load(areas: ReadonlySet<Area>): Promise<void> {
    const route = currentRoute();
    byId('home').hidden = route.view !== 'home';
    byId('task-page').hidden = route.view !== 'task';
    if (route.view === 'task') return this.loadTask(route.id, areas);
    // Only an agent's run-time state changed (a heartbeat, a loop starting): the agents are all there is to load.
    if (!touches(areas, 'tasks', 'inbox', 'history', 'town')) return this.loadAgents();
    const [board, history] = await Promise.all([
      getJson<Board>(`/api/board?per=${COLUMN_PAGE}`),
      touches(areas, 'history', 'town') ? getJson<{ events: TimelineEntry[] }>(`/api/history?limit=${HISTORY_LENGTH}`) : undefined,
    ]);
    this.agents = board.agents;
    byId('town-name').textContent = board.town.name;
    document.title = `${board.town.name} · Tinytown`;
    byId('counts').textContent = `${board.agents.length} agents · ${numberFormat.format(board.open)} open of ${numberFormat.format(board.total)} tasks`;
    this.agentsView.render(board.agents);
    await this.boardView.render(board.columns);
    if (history) renderTimeline(byId('history'), history.events);
    fillAgentSelects(byId('home'), board.agents);
    document.body.dataset.version = String(board.version);
    this.problems = board.problems.map((p) => `Skipped ${p.file}: ${p.message} (tt doctor)`);
  }

  private async loadAgents(): Promise<void> {
    this.agents = (await getJson<{ agents: AgentCard[] }>('/api/agents')).agents;
    if (currentRoute().view === 'home') {
      this.agentsView.render(this.agents);
      fillAgentSelects(byId('home'), this.agents);
    }
  }

  private async loadTask(id: string, areas: ReadonlySet<Area>): Promise<void> {
    if (touches(areas, 'agents', 'town') || !this.agents.length) await this.loadAgents();
    if (!touches(areas, 'tasks', 'inbox', 'history', 'town')) return;
    const page = await getJson<TaskPage>(`/api/task/${encodeURIComponent(id)}`);
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

  private showBanner(errors: string[]): void {
    const lines = [...errors, ...this.problems];
    if (!pageToken()) lines.push('Read-only: open the board from the URL tt ui printed (it carries the token that allows changes).');
    const banner = byId('banner');
    banner.hidden = lines.length === 0;
    banner.replaceChildren(...lines.map((line) => h('div', {}, line)));
  }
}

new BoardPage().start();
