/**
 * Who may talk to the board. It listens on 127.0.0.1 only; on top of that:
 * - every request must name this server in its Host header, so a web page on
 *   another site cannot reach it by pointing its own name at 127.0.0.1
 *   (DNS rebinding);
 * - a write must carry the per-run token from the URL `tt ui` printed, must be
 *   JSON (which a cross-site form cannot send without asking first), and, when
 *   the browser says where it comes from, must come from this origin.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ForbiddenError } from './http.js';

export const TOKEN_HEADER = 'x-tinytown-token';

export class RequestGuard {
  private readonly hosts: Set<string>;

  constructor(
    readonly port: number,
    private readonly token: string,
  ) {
    this.hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  checkHost(request: IncomingMessage): void {
    if (!this.hosts.has(request.headers.host ?? '')) throw new ForbiddenError(`tt ui answers only to http://127.0.0.1:${this.port}, not to host "${request.headers.host ?? ''}"`);
  }

  checkWrite(request: IncomingMessage): void {
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== this.origin && origin !== `http://localhost:${this.port}`) {
      throw new ForbiddenError(`writes are accepted only from the board's own page, not from ${origin}`);
    }
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new ForbiddenError(`writes are accepted only from the board's own page (this one is ${site})`);
    const given = request.headers[TOKEN_HEADER];
    if (typeof given !== 'string' || !this.matches(given)) {
      throw new ForbiddenError('this write needs the token from the URL tt ui printed (open the board from that URL)');
    }
  }

  private matches(given: string): boolean {
    const a = Buffer.from(given);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
