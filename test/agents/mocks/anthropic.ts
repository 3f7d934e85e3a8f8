/**
 * A mock of the Anthropic Messages API that plays Claude Code's model from a
 * deterministic Brain (test/agents/protocol.ts), for the real-CLI suite.
 * Proved with the real binary in test/agents/anthropic-mock.test.ts.
 *
 * What it implements:
 * - `POST /v1/messages` (Claude Code adds `?beta=true`), streaming SSE when the
 *   request says `stream: true` (Claude Code always does): `message_start` with
 *   usage, one content block (`text` with a `text_delta`, or `tool_use` with
 *   its input in two `input_json_delta`s), `message_delta` with `stop_reason`
 *   (`end_turn` / `tool_use`) and usage, `message_stop`. Without `stream` it
 *   answers the same message as one JSON object.
 * - `POST /v1/messages/count_tokens`: `{ input_tokens }` (a rough count).
 * - Anything else: a 404 in the API's error shape. Every request, expected or
 *   not, is kept in `requests` (method, path with query, parsed JSON body).
 *
 * What Claude Code 2.1.332 needs (found by running it; wire the harness so):
 * - Environment: `ANTHROPIC_BASE_URL=<mock.url>`, `ANTHROPIC_API_KEY=<any>`,
 *   `CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1` (no telemetry, update or
 *   feature-flag calls to the internet) and an empty `HOME` of its own per run,
 *   owned by the user it runs as (settings, sessions and onboarding state live
 *   there; an empty one needs no login and no onboarding). With these it sends
 *   nothing but `POST /v1/messages?beta=true` — no side requests, no
 *   count_tokens, one request per turn — as root and as an unprivileged user.
 * - Flags: tt's `claude` preset as it is (`--print --output-format json
 *   --allowedTools Bash,Edit,Write,mcp__tinytown`, prompt on stdin), as root
 *   too. The tinytown MCP server: `--mcp-config <file>` with the JSON `tt mcp
 *   --print-config claude` prints, or that JSON as `.mcp.json` at the
 *   repository root — both load in --print mode with no approval step.
 * - `MCP_CONNECTION_NONBLOCKING=false` in its environment makes it wait for
 *   the MCP servers before its first request; by default it does not (below).
 *
 * Quirks this mock handles:
 * - The prompt is not the only text of the first user message: Claude Code
 *   puts `<system-reminder>` blocks (git status, commit attribution) before it,
 *   and sends the environment, the deferred tools and the agent types as
 *   `role: "system"` messages inside `messages`. The prompt is the last text
 *   block of the first user message that is not a system reminder, exactly as
 *   written to stdin (a final newline kept).
 * - Message and tool_use ids must differ from answer to answer: two answers
 *   with one message id are merged by Claude Code into one assistant message.
 * - A shell result is the command's output (stdout then stderr); a failed
 *   command's starts with "Exit code N" (`is_error: true`).
 * - MCP tools are deferred: `tools` holds the built-in ones and a
 *   `DeferredToolPlaceholder`; the MCP tools are named, one a line, in a
 *   system text ("The following deferred tools are now available via
 *   ToolSearch…", saying a direct call fails — 2.1.332 in fact runs one). The
 *   mock does what a model is told: for an `mcp` step whose tool is deferred it
 *   first calls `ToolSearch` `select:` every still-deferred `mcp__tinytown__*`
 *   tool, so one search serves the conversation; the tools then come in the
 *   next request's `tools` (with `defer_loading: true`), and it calls the tool.
 * - Claude Code does not wait for MCP servers before its first request: a
 *   server still starting (a loaded machine, a slow `tt mcp`) is named under
 *   "The following MCP servers are still connecting", its tools absent. The
 *   mock then calls `ToolSearch` `select:mcp__tinytown__<tool>`, which waits
 *   for the server. A tool neither offered nor connecting (no MCP server
 *   configured), or one a search did not load, is called as it is, and the
 *   brain sees Claude Code's error ("No such tool available…") — never a
 *   search loop.
 * - The mock's ToolSearch turns are not shown to the brain (not in `results`);
 *   the Conversation's `tools` lists the loaded and the deferred names.
 * - Side requests (no `Bash` offered: titles, summaries, a small model) never
 *   reach the brain; they get a short text. 2.1.332 in --print mode with the
 *   environment above makes none.
 * - Usage: every answer reports MOCK_USAGE, in `message_start` and again in
 *   `message_delta`. Claude Code sums its turns, so its result's `usage` is
 *   MOCK_USAGE × `messageAnswers()` (ToolSearch turns included, `num_turns`
 *   the same count), with a `total_cost_usd` from its own price table for the
 *   model it asked for (claude-opus-5-5: 0.0066 $ an answer).
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
const CONNECTING_HEADER = 'The following MCP servers are still connecting';

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
  const offered = offeredTools(body.tools, messages);
  const reply = offered.loaded.includes(SHELL_TOOL)
    ? replyFor(brain(decodeConversation(messages, offered)), offered, `toolu_mock_${serial}`)
    : { kind: 'text' as const, text: 'OK' };
  const shell = messageShell(typeof body.model === 'string' ? body.model : 'claude-mock', serial);
  if (body.stream === true) streamReply(res, shell, reply);
  else sendJson(res, 200, { ...shell, content: [contentBlock(reply)], stop_reason: stopReason(reply), usage: MOCK_USAGE });
}

/** The tools of one request: those whose schema was sent, those only named as deferred, and those the mock already asked ToolSearch for. */
interface OfferedTools {
  readonly loaded: readonly string[];
  readonly deferred: readonly string[];
  readonly searched: readonly string[];
  /** The tinytown server is named as still connecting (its tools come later). */
  readonly connecting: boolean;
}

function offeredTools(tools: unknown, messages: readonly Message[]): OfferedTools {
  const loaded = toolNames(tools);
  return {
    loaded,
    deferred: namesAfter(messages, DEFERRED_HEADER).filter((name) => !loaded.includes(name)),
    searched: searchedTools(messages),
    connecting: namesAfter(messages, CONNECTING_HEADER).includes('tinytown'),
  };
}

/**
 * The brain's step as Claude Code's tool call or answer. A deferred MCP tool
 * is loaded first, as a model is told to — with every tinytown tool still
 * deferred, so one search serves the whole conversation. While the server is
 * still connecting (Claude Code does not wait for MCP servers before its first
 * request), the search names the one tool: ToolSearch waits for the server. A
 * tool that is not offered at all, or that one search did not load, is called
 * as it is: Claude Code answers with an error the brain sees, instead of the
 * mock searching forever.
 */
function replyFor(step: AgentStep, offered: OfferedTools, id: string): Reply {
  switch (step.kind) {
    case 'shell':
      return { kind: 'tool_use', id, name: SHELL_TOOL, input: { command: step.command, description: 'Run a command for the task' } };
    case 'mcp': {
      const name = MCP_PREFIX + step.tool;
      if (!offered.loaded.includes(name) && !offered.searched.includes(name)) {
        if (offered.deferred.includes(name)) return toolSearch(id, offered.deferred.filter((tool) => tool.startsWith(MCP_PREFIX)));
        if (offered.connecting) return toolSearch(id, [name]);
      }
      return { kind: 'tool_use', id, name, input: { ...step.args } };
    }
    case 'done':
      return { kind: 'text', text: step.text };
  }
}

function toolSearch(id: string, names: readonly string[]): Reply {
  return { kind: 'tool_use', id, name: TOOL_SEARCH, input: { query: `select:${names.join(',')}` } };
}

/** The conversation as the brain sees it: tt's prompt, the steps taken with their results, the tools on offer. */
function decodeConversation(messages: readonly Message[], offered: OfferedTools): Conversation {
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
  return { prompt: firstUser ? promptOf(firstUser) : '', results, tools: [...offered.loaded, ...offered.deferred] };
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

/**
 * The names listed one a line after `header` in Claude Code's system texts:
 * the deferred tools ("…are now available via ToolSearch"), the MCP servers
 * still connecting. Later texts add to earlier ones.
 */
function namesAfter(messages: readonly Message[], header: string): string[] {
  const names: string[] = [];
  for (const message of messages) {
    for (const block of blocks(message)) {
      if (block.type !== 'text' || typeof block.text !== 'string') continue;
      const at = block.text.indexOf(header);
      if (at < 0) continue;
      for (const line of block.text.slice(at).split('\n').slice(1)) {
        if (!/^[\w-]+$/.test(line.trim())) break;
        names.push(line.trim());
      }
    }
  }
  return [...new Set(names)];
}

/** The tools the mock's earlier ToolSearch calls selected (`select:a,b`). */
function searchedTools(messages: readonly Message[]): string[] {
  return messages.filter((message) => message.role === 'assistant').flatMap(blocks)
    .filter((block) => block.type === 'tool_use' && block.name === TOOL_SEARCH && isObject(block.input))
    .flatMap((block) => String((block.input as Json).query ?? '').replace(/^select:/, '').split(','));
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
