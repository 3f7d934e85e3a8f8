/**
 * A mock of the Anthropic Messages API that plays Claude Code's model from a
 * deterministic Brain (test/agents/protocol.ts), for the real-CLI suite.
 *
 * What it implements:
 * - `POST /v1/messages` (Claude Code adds `?beta=true`), streaming SSE when the
 *   request says `stream: true` (Claude Code always does): `message_start` with
 *   usage, one content block (`text` with a `text_delta`, or `tool_use` with
 *   `input_json_delta`s), `message_delta` with `stop_reason` and usage,
 *   `message_stop`. Without `stream` it answers the same message as one JSON object.
 * - `POST /v1/messages/count_tokens`: `{ input_tokens }` (a rough count).
 * - Anything else: a 404 in the API's error shape. Every request, expected or
 *   not, is kept in `requests` (method, path with query, parsed JSON body).
 *
 * What Claude Code 2.1.332 needs to talk to it (found by running it):
 * - Environment: `ANTHROPIC_BASE_URL=<mock.url>`, `ANTHROPIC_API_KEY=<anything>`,
 *   `CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1` (no telemetry, update or
 *   feature-flag calls to the internet), and a fresh empty `HOME` per run (its
 *   settings, sessions and the onboarding state live there; a fresh one needs
 *   no login). With these it sends nothing but `POST /v1/messages?beta=true`.
 * - Flags: tt's `claude` preset (`--print --output-format json --allowedTools
 *   Bash,Edit,Write,mcp__tinytown`) runs as root as it is; the tinytown MCP
 *   server comes from `--mcp-config <file>` with the JSON `tt mcp --print-config
 *   claude` prints (or `.mcp.json` — see the test for what that needs).
 *
 * Quirks this mock handles:
 * - The prompt is not the only text of the first user message: Claude Code
 *   puts `<system-reminder>` blocks (git status, commit attribution) before it,
 *   and sends the environment as a separate `role: "system"` message. The
 *   prompt is the last text block of the first user message that is not a
 *   system reminder.
 * - MCP tools are deferred: the request's `tools` holds only the built-in ones
 *   (and a `DeferredToolPlaceholder`); the MCP tools are named, one a line, in a
 *   `role: "system"` message ("The following deferred tools are now available
 *   via ToolSearch…"), and calling one before its schema is loaded fails with
 *   InputValidationError. So for an `mcp` step whose tool is not yet loaded the
 *   mock first calls `ToolSearch` with `select:mcp__tinytown__<tool>`; once the
 *   tool is in a later request's `tools`, it calls it. Those ToolSearch
 *   exchanges are the mock's own and are not shown to the brain. The
 *   Conversation's `tools` lists both the loaded and the deferred names.
 * - Side requests (no `Bash` tool offered: titles, summaries, a small model)
 *   never reach the brain; they get a short text answer.
 * - Usage: every answer reports MOCK_USAGE, so a round's totals are
 *   MOCK_USAGE × the number of /v1/messages answers (`messageAnswers`), and
 *   Claude Code's `--output-format json` result carries them in `usage` with a
 *   `total_cost_usd` it computes from its own price table.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentStep, Brain, Conversation, ModelMock, StepResult } from '../protocol.js';

/** The usage each answer reports: distinct numbers, so a sum shows which field went where. */
export const MOCK_USAGE = {
  input_tokens: 1000,
  output_tokens: 50,
  cache_creation_input_tokens: 200,
  cache_read_input_tokens: 3000,
} as const;

/** Claude Code's shell tool. */
const SHELL_TOOL = 'Bash';
/** Claude Code's tool that loads a deferred tool's schema. */
const TOOL_SEARCH = 'ToolSearch';
/** Claude Code names an MCP server's tools `mcp__<server>__<tool>`. */
const MCP_PREFIX = 'mcp__tinytown__';
const DEFERRED_HEADER = 'The following deferred tools are now available via ToolSearch';

type Json = Record<string, unknown>;
interface Block { readonly type: string; readonly [key: string]: unknown }
interface Message { readonly role: string; readonly content: string | readonly Block[] }

/** What the mock answers: one content block. */
type Reply =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'tool_use'; readonly id: string; readonly name: string; readonly input: Json };

export interface AnthropicMock extends ModelMock {
  /** How many /v1/messages requests were answered (agent turns and side requests): usage totals are this × MOCK_USAGE. */
  readonly messageAnswers: () => number;
}

export async function startAnthropicMock(brain: Brain): Promise<AnthropicMock> {
  const requests: Array<{ method: string; path: string; body: unknown }> = [];
  let answers = 0;
  const server = createServer((req, res) => {
    readBody(req).then((text) => {
      const body = parseJson(text);
      requests.push({ method: req.method ?? '', path: req.url ?? '', body });
      const route = (req.url ?? '').split('?')[0];
      if (req.method === 'POST' && route === '/v1/messages') {
        answers += 1;
        answerMessages(res, isObject(body) ? body : {}, brain, answers);
      } else if (req.method === 'POST' && route === '/v1/messages/count_tokens') {
        sendJson(res, 200, { input_tokens: Math.ceil(text.length / 4) });
      } else {
        sendJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: `the mock does not serve ${req.method} ${route}` } });
      }
    }).catch((error: unknown) => {
      sendJson(res, 500, { type: 'error', error: { type: 'api_error', message: `mock failure: ${String(error)}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    messageAnswers: () => answers,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    }),
  };
}

/** `serial` numbers the answer: message and tool ids must be unique, or Claude Code merges two turns into one message. */
function answerMessages(res: ServerResponse, body: Json, brain: Brain, serial: number): void {
  const messages = Array.isArray(body.messages) ? (body.messages as Message[]) : [];
  const loaded = toolNames(body.tools);
  const reply = loaded.includes(SHELL_TOOL)
    ? replyFor(brain(decodeConversation(messages, loaded)), loaded, `toolu_mock_${serial}`)
    : { kind: 'text' as const, text: 'OK' };
  const shell = messageShell(typeof body.model === 'string' ? body.model : 'claude-mock', serial);
  if (body.stream === true) streamReply(res, shell, reply);
  else sendJson(res, 200, { ...shell, content: [contentBlock(reply)], stop_reason: stopReason(reply), usage: MOCK_USAGE });
}

/** The brain's step as Claude Code's tool call or answer; an MCP tool not loaded yet is loaded first. */
function replyFor(step: AgentStep, loaded: readonly string[], id: string): Reply {
  switch (step.kind) {
    case 'shell':
      return { kind: 'tool_use', id, name: SHELL_TOOL, input: { command: step.command, description: 'Run a command for the task' } };
    case 'mcp': {
      const name = MCP_PREFIX + step.tool;
      if (!loaded.includes(name)) return { kind: 'tool_use', id, name: TOOL_SEARCH, input: { query: `select:${name}` } };
      return { kind: 'tool_use', id, name, input: { ...step.args } };
    }
    case 'done':
      return { kind: 'text', text: step.text };
  }
}

/** The conversation as the brain sees it: tt's prompt, the steps taken with their results, the tools on offer. */
export function decodeConversation(messages: readonly Message[], loaded: readonly string[]): Conversation {
  const firstUser = messages.find((message) => message.role === 'user');
  const results: StepResult[] = [];
  const outputs = toolResults(messages);
  for (const message of messages) {
    if (message.role !== 'assistant') continue;
    for (const block of blocks(message)) {
      if (block.type !== 'tool_use') continue;
      const step = stepOf(String(block.name), isObject(block.input) ? block.input : {});
      if (step) results.push({ step, output: outputs.get(String(block.id)) ?? '' });
    }
  }
  return { prompt: firstUser ? promptOf(firstUser) : '', results, tools: [...loaded, ...deferredTools(messages).filter((name) => !loaded.includes(name))] };
}

/** A tool call of Claude Code's as a brain step; the mock's own ToolSearch calls and other tools are none. */
function stepOf(name: string, input: Json): AgentStep | undefined {
  if (name === SHELL_TOOL) return { kind: 'shell', command: String(input.command ?? '') };
  if (name.startsWith(MCP_PREFIX)) return { kind: 'mcp', tool: name.slice(MCP_PREFIX.length), args: input };
  return undefined;
}

/** tt's prompt: the last text of the first user message that is not a system reminder Claude Code added. */
function promptOf(message: Message): string {
  if (typeof message.content === 'string') return message.content;
  const texts = message.content.filter((block) => block.type === 'text').map((block) => String(block.text));
  const own = texts.filter((text) => !text.trimStart().startsWith('<system-reminder>'));
  return own.at(-1) ?? texts.at(-1) ?? '';
}

/** tool_use id → the text Claude Code sent back for it (error results keep their text, which says so). */
function toolResults(messages: readonly Message[]): Map<string, string> {
  const outputs = new Map<string, string>();
  for (const message of messages) {
    if (message.role !== 'user') continue;
    for (const block of blocks(message)) {
      if (block.type === 'tool_result') outputs.set(String(block.tool_use_id), resultText(block.content));
    }
  }
  return outputs;
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.filter((part): part is Block => isObject(part) && part.type === 'text').map((part) => String(part.text)).join('\n');
}

/** The tools named in Claude Code's "deferred tools are now available" system text, one a line. */
function deferredTools(messages: readonly Message[]): string[] {
  const names: string[] = [];
  for (const message of messages) {
    for (const block of blocks(message)) {
      if (block.type !== 'text' || typeof block.text !== 'string') continue;
      const at = block.text.indexOf(DEFERRED_HEADER);
      if (at < 0) continue;
      const lines = block.text.slice(at).split('\n').slice(1);
      for (const line of lines) {
        if (!/^[\w-]+$/.test(line.trim())) break;
        names.push(line.trim());
      }
    }
  }
  return [...new Set(names)];
}

function blocks(message: Message): readonly Block[] {
  return typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content.filter(isObject) as Block[];
}

function toolNames(tools: unknown): string[] {
  return Array.isArray(tools) ? tools.filter(isObject).map((tool) => String(tool.name)) : [];
}

function messageShell(model: string, serial: number): Json {
  return { id: `msg_mock_${serial}`, type: 'message', role: 'assistant', model, stop_sequence: null };
}

function contentBlock(reply: Reply): Json {
  return reply.kind === 'text' ? { type: 'text', text: reply.text } : { type: 'tool_use', id: reply.id, name: reply.name, input: reply.input };
}

function stopReason(reply: Reply): string {
  return reply.kind === 'text' ? 'end_turn' : 'tool_use';
}

/** The reply as the Messages API streams it. */
function streamReply(res: ServerResponse, shell: Json, reply: Reply): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const event = (type: string, data: Json): void => {
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  };
  event('message_start', { message: { ...shell, content: [], stop_reason: null, usage: { ...MOCK_USAGE, output_tokens: 1 } } });
  if (reply.kind === 'text') {
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: reply.text } });
  } else {
    event('content_block_start', { index: 0, content_block: { type: 'tool_use', id: reply.id, name: reply.name, input: {} } });
    // In two pieces, as the API does: the CLI must join partial JSON.
    const json = JSON.stringify(reply.input);
    const half = Math.floor(json.length / 2);
    for (const piece of [json.slice(0, half), json.slice(half)]) {
      event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: piece } });
    }
  }
  event('content_block_stop', { index: 0 });
  event('message_delta', { delta: { stop_reason: stopReason(reply), stop_sequence: null }, usage: MOCK_USAGE });
  event('message_stop', {});
  res.end();
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
