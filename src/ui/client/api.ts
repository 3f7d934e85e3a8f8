/** The board server's routes, and the token that lets this page write (from the URL `tt ui` printed). */

export interface ErrorDocument {
  kind: 'error';
  code: string;
  message: string;
}

const TOKEN_KEY = 'tinytown-token';

/** The token from ?token=…, remembered for this tab so a reload of a plain URL can still write. */
export function pageToken(): string | null {
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl) sessionStorage.setItem(TOKEN_KEY, fromUrl);
  return fromUrl ?? sessionStorage.getItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly document: ErrorDocument) {
    super(document.message);
  }
}

async function parse<T>(response: Response): Promise<T> {
  const document = (await response.json()) as T | ErrorDocument;
  if (!response.ok) throw new ApiError(response.status, document as ErrorDocument);
  return document as T;
}

export async function getJson<T>(path: string): Promise<T> {
  return parse<T>(await fetch(path, { headers: { accept: 'application/json' } }));
}

export async function postAction<T>(action: string, form: Record<string, unknown>): Promise<T> {
  const token = pageToken();
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers['x-tinytown-token'] = token;
  return parse<T>(await fetch(`/api/action/${action}`, { method: 'POST', headers, body: JSON.stringify(form) }));
}
