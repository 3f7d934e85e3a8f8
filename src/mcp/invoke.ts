/**
 * What the MCP server makes of an operation's answer or error: a tool result
 * carrying the document `tt --json` prints, or a JSON-RPC error with the
 * CLI's words.
 */
import type { Answer } from '../app/answer.js';
import { envelope } from '../app/json.js';
import type { SessionOptions } from '../app/session.js';
import { asTinytownError, TinytownError } from '../errors.js';

/** Diagnostics go to `log`: stdout is the protocol channel and is never written to. */
export interface McpServerOptions extends SessionOptions {
  log?: (text: string) => void;
}

export interface TextResult {
  [key: string]: unknown;
  content: Array<{ type: 'text'; text: string }>;
  isError?: boolean;
}

export function jsonText(answer: Pick<Answer, 'kind' | 'payload'>): string {
  return envelope(answer.kind, answer.payload);
}

/** The tool result for an answer: its JSON document, then its diagnostics (a deferred commit, a skipped file). */
export function toolResult(answer: Answer): TextResult {
  const content: TextResult['content'] = [{ type: 'text', text: jsonText(answer) }];
  if (answer.notes.length) content.push({ type: 'text', text: answer.notes.join('\n') });
  return { content };
}

/**
 * Anything a call throws becomes a tool error, never a dead server: a
 * TinytownError carries the text the CLI prints; anything else is a bug,
 * said so, with its stack in the server's log.
 */
export function toolError(error: unknown, log: (text: string) => void): TextResult {
  const known = asTinytownError(error);
  if (known) return { content: [{ type: 'text', text: known.message }], isError: true };
  log(`tt mcp: unexpected error — this is a bug in tt, please report it:\n${error instanceof Error ? error.stack : String(error)}\n`);
  const message = error instanceof Error ? error.message : String(error);
  return { content: [{ type: 'text', text: `unexpected error (a bug in tt): ${message}` }], isError: true };
}

/** JSON-RPC error codes for a failed resource read or prompt (MCP: -32002 resource not found). */
export const INVALID_PARAMS = -32602;
export const RESOURCE_NOT_FOUND = -32002;

/**
 * An error the SDK answers as a JSON-RPC error carrying exactly the CLI's text
 * (the SDK's McpError would prefix "MCP error N:" and the client adds its own).
 */
export function requestError(error: TinytownError, code = INVALID_PARAMS): Error {
  return Object.assign(new Error(error.message), { code });
}
