/**
 * The bridge from MCP to the CLI: a tool call runs the very command definition
 * `tt` runs (src/cli/commands), with a fresh CliContext for the server's town
 * and acting agent, so every write is the same commit the CLI makes and every
 * answer is the document `tt --json` prints.
 */
import type { CommandOutput } from '../cli/command.js';
import type { EmbeddedCliOptions } from '../cli/embedded.js';
import { envelope } from '../app/json.js';
import { TinytownError } from '../errors.js';

export { cliContext, commandAt, runCommand, typedActor } from '../cli/embedded.js';

/** Diagnostics go to `log`: stdout is the protocol channel and is never written to. */
export type McpServerOptions = EmbeddedCliOptions;

export interface TextResult {
  [key: string]: unknown;
  content: Array<{ type: 'text'; text: string }>;
  isError?: boolean;
}

export function jsonText(output: Pick<CommandOutput, 'kind' | 'payload'>): string {
  return envelope(output.kind, output.payload);
}

/** The tool result for a command's output: its JSON document, then its diagnostics (a deferred commit, a skipped file). */
export function toolResult(output: CommandOutput): TextResult {
  const content: TextResult['content'] = [{ type: 'text', text: jsonText(output) }];
  if (output.notes?.length) content.push({ type: 'text', text: output.notes.join('\n') });
  return output.exitCode ? { content, isError: true } : { content };
}

/**
 * Anything a call throws becomes a tool error, never a dead server: a
 * TinytownError carries the text the CLI prints; anything else is a bug,
 * said so, with its stack in the server's log.
 */
export function toolError(error: unknown, log: (text: string) => void): TextResult {
  if (error instanceof TinytownError) return { content: [{ type: 'text', text: error.message }], isError: true };
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
