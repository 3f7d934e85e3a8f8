/**
 * `tt ui`: the town as a live board on http://127.0.0.1. Plain node:http —
 * a handful of JSON routes read from the town (read-model.ts), one
 * server-sent-events stream fed by a watch of the town (live.ts), four write
 * actions that run the same operations as the CLI (actions.ts), and the page itself
 * (client/, built into dist/ui/ and served from memory; nothing is fetched
 * from anywhere else).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Session, type SessionOptions } from '../app/session.js';
import { agentNames, resolveAgent } from '../app/agents.js';
import { townPaths } from '../store/paths.js';
import { packageRoot } from '../package-root.js';
import { NotFoundError, UsageError } from '../errors.js';
import type { Town } from '../store/town.js';
import { waitForStopSignal } from '../watch/run-watch.js';
import { runAction } from './actions.js';
import { RequestGuard } from './guard.js';
import { intParam, readJsonBody, sendError, sendJson } from './http.js';
import { EventStreams, SSE_KEEPALIVE_MS } from './event-streams.js';
import { TownChangeFeed } from './live.js';
import { AgentLiveness } from './liveness.js';
import { openBrowser } from './open-browser.js';
import { TownReadModel } from './read-model.js';

export interface UiServerOptions extends SessionOptions {
  /** Where diagnostics go. */
  log?: (text: string) => void;
  /** 0 picks a free port. */
  port: number;
  /** Default: a new random token per run. */
  token?: string;
}

export interface RunningUi {
  url: string;
  origin: string;
  port: number;
  token: string;
  town: Town;
  close(): Promise<void>;
}

const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

/** The built page (npm run build puts it in dist/ui/), read once. */
function loadAssets(): Map<string, { body: Buffer; type: string }> {
  const folder = path.join(packageRoot(), 'dist', 'ui');
  const assets = new Map<string, { body: Buffer; type: string }>();
  for (const [route, { file, type }] of Object.entries(ASSETS)) {
    try {
      assets.set(route, { body: readFileSync(path.join(folder, file)), type });
    } catch {
      throw new NotFoundError(`the board's page is missing (${path.join(folder, file)}); run \`npm run build\` in the tinytown package`);
    }
  }
  return assets;
}

/** The request's path and query; anything but a path from the root (`//host/…`, a full URL) is refused. */
function requestUrl(target: string, origin: string): URL {
  if (!target.startsWith('/') || target.startsWith('//')) throw new UsageError(`"${target.slice(0, 80)}" is not a path on this board`);
  try {
    return new URL(target, origin);
  } catch {
    throw new UsageError(`"${target.slice(0, 80)}" is not a valid URL path`);
  }
}

/** The agent whose inbox a watched folder belongs to (inbox/<agent> or inbox/<agent>/read). */
function inboxOwnerOf(relDir: string): string | undefined {
  const rest = relDir.startsWith(`${townPaths.inboxRoot}/`) ? relDir.slice(townPaths.inboxRoot.length + 1) : '';
  return rest ? rest.split('/')[0] : undefined;
}

function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new UsageError(`"${part}" is not a valid part of a URL path`);
  }
}

export async function startUiServer(options: UiServerOptions): Promise<RunningUi> {
  const log = options.log ?? ((text: string) => void process.stderr.write(text));
  const town = new Session(options).town();
  const assets = loadAssets();
  const model = new TownReadModel(town);
  const streams = new EventStreams();
  const token = options.token ?? randomBytes(24).toString('base64url');
  let guard: RequestGuard | undefined;

  async function readRoute(url: URL, response: ServerResponse): Promise<boolean> {
    const params = url.searchParams;
    const parts = url.pathname.split('/').filter(Boolean).map(decodePathPart);
    const [api, route, key] = parts;
    if (api !== 'api' || parts.length > 3) return false;
    switch (route) {
      case 'board': sendJson(response, 200, 'board', { version: feed.currentVersion, ...model.board(intParam(params, 'per', 25, 500)) }); return true;
      case 'agents': sendJson(response, 200, 'agents', model.agents()); return true;
      case 'column': sendJson(response, 200, 'column', model.column(key ?? '', { offset: intParam(params, 'offset', 0, 1e9), limit: intParam(params, 'limit', 25, 500) })); return true;
      case 'inbox': sendJson(response, 200, 'inbox', model.inbox(resolveAgent(town, key ?? ''), { offset: intParam(params, 'offset', 0, 1e9), limit: intParam(params, 'limit', 8, 200) })); return true;
      case 'task': sendJson(response, 200, 'task', await model.task(key ?? '')); return true;
      case 'history': sendJson(response, 200, 'history', await model.history(intParam(params, 'limit', 30, 500))); return true;
      case 'events': streams.open(response, feed.currentVersion); return true;
      default: return false;
    }
  }

  async function writeRoute(request: IncomingMessage, url: URL, response: ServerResponse): Promise<boolean> {
    const match = /^\/api\/action\/([a-z]+)$/.exec(url.pathname);
    if (!match) return false;
    guard!.checkWrite(request);
    const form = await readJsonBody(request);
    // A new session per request: the town is read afresh, as a new `tt` process would.
    const { answer, text } = await runAction(new Session(options), match[1]!, form);
    sendJson(response, 200, answer.kind, { ...answer.payload, text, notes: answer.notes });
    return true;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      guard!.checkHost(request);
      const url = requestUrl(request.url ?? '/', guard!.origin);
      if (request.method === 'GET' || request.method === 'HEAD') {
        const asset = assets.get(url.pathname === '/index.html' ? '/' : url.pathname);
        if (asset) {
          response.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' });
          response.end(request.method === 'HEAD' ? undefined : asset.body);
          return;
        }
        if (url.pathname === '/favicon.ico') {
          response.writeHead(204).end();
          return;
        }
        if (await readRoute(url, response)) return;
      } else if (request.method === 'POST') {
        if (await writeRoute(request, url, response)) return;
      } else {
        throw new UsageError(`${request.method} is not something the board answers`);
      }
      throw new NotFoundError(`no such page: ${url.pathname}`);
    } catch (error) {
      sendError(response, error, log);
    }
  }

  const server: Server = createServer((request, response) => void handle(request, response));
  const feed = new TownChangeFeed(town.root, {
    // tasks/ changed, or a new folder appeared (a pull can create tasks/ itself).
    onHeard: (area, relDir) => {
      if (area === 'tasks' || area === 'town') model.tasksChanged();
      if (area === 'inbox' || area === 'town') model.inboxes.changed(inboxOwnerOf(relDir));
      if (area === 'history') model.historyChanged();
    },
    onChange: (notice) => streams.broadcast(notice),
    onError: (problem) => log(`tt ui: ${problem}\n`),
  });
  const liveness = new AgentLiveness(town.root, () => feed.notify('agents'));
  // Read the town once before saying where the board is, so the first page view finds it parsed;
  // then learn which unread messages are urgent, in the background.
  model.board(1);
  void model.inboxes.seed(agentNames(town));
  const keepAlive = setInterval(() => streams.keepAlive(), SSE_KEEPALIVE_MS);
  keepAlive.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: NodeJS.ErrnoException) => {
    feed.close();
    liveness.close();
    clearInterval(keepAlive);
    if (error.code === 'EADDRINUSE') throw new UsageError(`port ${options.port} on 127.0.0.1 is in use; pick another with --port, or --port 0 for any free one`);
    throw error;
  });
  const port = (server.address() as AddressInfo).port;
  guard = new RequestGuard(port, token);
  return {
    url: `${guard.origin}/?token=${token}`,
    origin: guard.origin,
    port,
    token,
    town,
    close: () => new Promise<void>((resolve) => {
      clearInterval(keepAlive);
      feed.close();
      liveness.close();
      streams.closeAll();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

export interface RunUiOptions extends UiServerOptions {
  open: boolean;
  /** Told the URL once the board answers (and whether a browser was opened). */
  onReady: (ui: RunningUi, openProblem: string | undefined) => void;
}

/** The life of one `tt ui` process: serve until SIGINT/SIGTERM, then close every stream and watch. */
export async function runUi(options: RunUiOptions): Promise<NodeJS.Signals> {
  const stopped = waitForStopSignal();
  const ui = await startUiServer(options);
  try {
    const problem = options.open ? await openBrowser(ui.url) : undefined;
    options.onReady(ui, problem);
    return await stopped;
  } finally {
    await ui.close();
  }
}
