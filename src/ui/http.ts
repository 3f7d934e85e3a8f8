/** Small pieces of HTTP the board server needs on top of node:http: JSON in and out, errors as the CLI's envelope. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { envelope, errorEnvelope } from '../app/json.js';
import { asTinytownError, TinytownError, UsageError } from '../errors.js';

/** A refusal that is not the CLI's to make: the request itself is not allowed (token, origin, host). */
export class ForbiddenError extends TinytownError {
  override readonly code = 'forbidden';
}

const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  usage: 400, invalid: 400, not_found: 404, conflict: 409, forbidden: 403, timeout: 504,
};

/** A body larger than this is not a form a person filled in. */
const MAX_BODY_BYTES = 64 * 1024;

export function sendJson(response: ServerResponse, status: number, kind: string, payload: Record<string, unknown>): void {
  const body = envelope(kind, payload);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(body);
}

/** Known errors answer with their status and the CLI's words; anything else is a bug, said so. */
export function sendError(response: ServerResponse, error: unknown, log: (text: string) => void): void {
  // The browser went away mid-request (a closed tab, an aborted upload): nobody to answer, nothing to report.
  if ((error as NodeJS.ErrnoException | undefined)?.code === 'ECONNRESET' || (error as Error | undefined)?.message === 'aborted') {
    response.destroy();
    return;
  }
  const known = asTinytownError(error);
  const status = known ? (STATUS_BY_CODE[known.code] ?? 500) : 500;
  if (!known) log(`tt ui: unexpected error — this is a bug in tt:\n${error instanceof Error ? error.stack : String(error)}\n`);
  if (response.headersSent) {
    response.end();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(errorEnvelope(known ?? error));
}

export async function readJsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/json\b/.test(type)) throw new UsageError('send the form as application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new UsageError(`the form is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new UsageError('the form is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError('the form must be a JSON object');
  return parsed as Record<string, unknown>;
}

/** A whole-number query parameter within bounds, else its default. */
export function intParam(params: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`${name} must be a whole number, 0 or more`);
  return Math.min(value, max);
}
