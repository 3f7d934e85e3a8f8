/** The server-sent-event streams of open pages: a hello on connect, then one frame per change notice. */
import type { ServerResponse } from 'node:http';
import type { ChangeNotice } from './live.js';

/** A comment line this often keeps proxies and idle timeouts from closing a quiet stream. */
export const SSE_KEEPALIVE_MS = 20_000;

export class EventStreams {
  private readonly clients = new Set<ServerResponse>();

  open(response: ServerResponse, version: number): void {
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    response.write(`retry: 1000\nevent: hello\ndata: ${JSON.stringify({ version })}\n\n`);
    this.clients.add(response);
    response.on('close', () => this.clients.delete(response));
  }

  broadcast(notice: ChangeNotice): void {
    const frame = `event: change\ndata: ${JSON.stringify(notice)}\n\n`;
    for (const client of this.clients) client.write(frame);
  }

  keepAlive(): void {
    for (const client of this.clients) client.write(': keep-alive\n\n');
  }

  closeAll(): void {
    for (const client of this.clients) client.end();
    this.clients.clear();
  }
}
