/**
 * A mock of the OpenAI Responses API that plays Codex's model from a
 * deterministic Brain (test/agents/protocol.ts), for the real-CLI suite.
 * Checked against the real Codex 0.171.0 (test/agents/codex-mock.test.ts).
 *
 * What it implements:
 * - `POST /v1/responses`, streaming SSE (Codex always asks for `stream: true`):
 *   `response.created`, `response.in_progress`, `response.output_item.added`,
 *   then for a message `content_part.added`, `output_text.delta`,
 *   `output_text.done`, `content_part.done`, for a function call
 *   `function_call_arguments.delta`/`.done`; then `response.output_item.done`
 *   and `response.completed` with MOCK_USAGE, and the stream ends (Codex reports
 *   a response complete only when its stream closes). One output item per response.
 * - `GET /v1/models`: an empty list (0.171.0 never asks with a custom provider).
 * - Anything else: a 404 in the API's error shape. Every request, expected or
 *   not, is kept in `requests` (method, path with query, parsed JSON body);
 *   `conversations` keeps what the brain was given, in order.
 * - A brain that throws gets a 400 (not a 5xx, which Codex retries with
 *   backoff): the turn fails at once (`turn.failed`, exit 1) with the message.
 *
 * What Codex needs to talk to it (codexConfigToml writes the config):
 * - `$CODEX_HOME/config.toml`: `model = "gpt-5.5"`, `model_provider = "mock"`,
 *   `[model_providers.mock]` with `name`, `base_url = "<mock.url>/v1"`,
 *   `env_key = "MOCK_API_KEY"`, `wire_api = "responses"`, and
 *   `[features] plugins = false`. Codex ignores OPENAI_BASE_URL. For the
 *   tinytown tools, append what `tt mcp --print-config codex` prints on stdout.
 * - Environment: `CODEX_HOME` and `HOME` fresh per run (owned by the user
 *   Codex runs as), `MOCK_API_KEY` = anything (sent as the bearer token;
 *   without it every turn fails: "Missing environment variable"), and the
 *   TINYTOWN_* variables for `tt mcp` (its `env_vars` passes them on). With these, Codex sends nothing but
 *   `POST /v1/responses`.
 * - The preset runs as it is, as root and as an unprivileged user
 *   (`setpriv --reuid=65534 …`: the repository must be that user's, or git
 *   refuses it as "dubious ownership", and so must HOME and CODEX_HOME).
 *
 * Quirks found, and what the mock does about them:
 * - The model decides the tools. gpt-5.5: plain function tools (`exec_command`,
 *   `write_stdin`, `apply_patch`, …) and MCP tools deferred behind
 *   `tool_search`. The default model (gpt-6.2-sol) gets "code mode" instead —
 *   no `tools`, an `additional_tools` input item with one JavaScript `exec`
 *   tool — which this mock does not speak (it answers 400, naming the fix). A
 *   model Codex does not know gets plain tools with the MCP namespace offered
 *   up front, but every run then starts with a "Model metadata … not found"
 *   error event, which tt logs. Both plain shapes are handled.
 * - Shell: `exec_command` with `{cmd, yield_time_ms}`; Codex runs
 *   `/bin/bash -c <cmd>` (no login shell, thanks to the preset's
 *   `allow_login_shell=false`) and answers "Chunk ID: …\nWall time: …\nProcess
 *   exited with code N\nOriginal token count: …\nOutput:\n…". A command still
 *   running after `yield_time_ms` (at most 30 s; 10 s if not given) answers
 *   "Process running with session ID N" and must be polled with `write_stdin`:
 *   the mock asks for the full 30 s and polls on its own; the brain sees one
 *   step with the whole output. The command's PATH is Codex's own helper
 *   folder (its bundled `rg`) and then the PATH Codex was given, tt's bin first.
 * - MCP: a `function_call` with `namespace: "mcp__tinytown"` and the bare
 *   tool `name` (`send`); the output comes back as `input_text` parts
 *   ("Wall time: …\nOutput:" then the tool's JSON). With gpt-5.5 the namespace
 *   is only named in a developer message ("Deferred tool namespaces:\n-
 *   mcp__tinytown: …"): the mock first sends a `tool_search_call` (arguments
 *   an object, not a JSON string; `execution: "client"`) and Codex answers
 *   with a `tool_search_output` holding the namespace; the brain is asked
 *   again and does not see the search. (Codex would run the call unsearched too.)
 * - The conversation: `store: false` and the whole input every time, no
 *   `previous_response_id` (supported anyway). Before the prompt come
 *   developer messages (the system prompt, skills, permissions, tools) and a
 *   user message of Codex's own whose parts are AGENTS.md ("# AGENTS.md
 *   instructions for <dir>") and `<environment_context>`; the prompt is the
 *   first user text that is neither, exactly as given on stdin.
 * - Conversation.tools: each tool's name (its type when it has none:
 *   `tool_search`, `web_search`), each namespace and its tools as
 *   `<namespace>__<tool>` (`mcp__tinytown__send`, the name Claude Code
 *   gives them), loaded ones from `tool_search_output`, and deferred namespace names.
 * - Usage: `total_tokens` is required: without it Codex cannot parse
 *   `response.completed`, reconnects 5 times, then fails the turn. Every response reports MOCK_USAGE, and the
 *   `turn.completed` event of `codex exec --json` sums a turn's responses:
 *   `{input_tokens, cached_input_tokens, cache_write_input_tokens: 0,
 *   output_tokens, reasoning_output_tokens}` = MOCK_USAGE × responses (a shell
 *   round: 2; an MCP round with gpt-5.5: 3, the search included).
 * - stderr carries "Reading prompt from stdin..." and, with CODEX_HOME under
 *   /tmp, "WARNING: … could not create PATH aliases: Refusing to create helper
 *   binaries under temporary dir": harmless.
 *
 * Timing (2 shared cores under load ~12, 7 runs each, medians): a shell round
 * (command, answer) takes 3.6 s from spawn to exit, 2.8 s of it before
 * Codex's first request; an MCP round 5.3 s (4.3 s before the first request:
 * Codex starts `tt mcp` first). The mock answers in milliseconds.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentStep, Brain, Conversation, ModelMock, StepResult } from '../protocol.js';

/**
 * The usage each answer reports: distinct numbers, so a sum shows which field
 * went where. `total_tokens` is required by Codex's parser ("failed to parse
 * ResponseCompleted: missing field `total_tokens`", the stream retried, the turn failed).
 */
export const MOCK_USAGE = {
  input_tokens: 1000,
  input_tokens_details: { cached_tokens: 300 },
  output_tokens: 50,
  output_tokens_details: { reasoning_tokens: 7 },
  total_tokens: 1050,
} as const;

/**
 * The model the mock plays. Codex shapes its tools by model: for gpt-5.5 it
 * offers `exec_command` and friends as plain functions and defers MCP tools
 * behind `tool_search`; its default model (gpt-6.2-sol in 0.171.0) gets a
 * "code mode" instead (one JavaScript `exec` tool that calls the others),
 * which this mock does not speak; a model Codex does not know gets plain
 * functions too, but every run starts with a "Model metadata … not found" error event.
 */
export const CODEX_MODEL = 'gpt-5.5';

/** The variable named by the provider's env_key: Codex sends its value as the bearer token, and fails every turn without it. */
export const CODEX_API_KEY_ENV = 'MOCK_API_KEY';

/**
 * The config.toml that points Codex at the mock (write it to $CODEX_HOME/config.toml,
 * set CODEX_API_KEY_ENV to anything; append an `[mcp_servers.…]` table as `tt mcp
 * --print-config codex` prints it). Codex ignores OPENAI_BASE_URL: only a
 * provider of its own reaches a local server. `plugins = false`: no plugin
 * discovery or sync calls to the internet.
 */
export function codexConfigToml(url: string): string {
  return [
    `model = "${CODEX_MODEL}"`,
    'model_provider = "mock"',
    '',
    '[model_providers.mock]',
    'name = "mock"',
    `base_url = "${url}/v1"`,
    `env_key = "${CODEX_API_KEY_ENV}"`,
    'wire_api = "responses"',
    '',
    '[features]',
    'plugins = false',
    '',
  ].join('\n');
}

/** The shell tools Codex may offer, newest first, and how each wants its command. */
const SHELL_TOOLS = {
  exec_command: (command: string, yieldTimeMs: number) => ({ cmd: command, yield_time_ms: yieldTimeMs }),
  shell_command: (command: string) => ({ command }),
  shell: (command: string) => ({ command: ['bash', '-c', command] }),
} as const;
type ShellToolName = keyof typeof SHELL_TOOLS;

/**
 * exec_command answers after at most this long; a command still running then
 * leaves a session to poll with write_stdin. The most Codex allows, so only a
 * command slower than 30 s on a loaded machine needs polling.
 */
const UNIFIED_EXEC_MAX_YIELD_MS = 30_000;

export interface ResponsesMockOptions {
  /** How long exec_command and write_stdin wait for a command before answering (Codex allows 250–30000 ms). */
  readonly yieldTimeMs?: number;
}

/** exec_command's answer for a command still running: "Process running with session ID 3". */
const RUNNING_SESSION = /Process running with session ID (\d+)/;

/** The MCP server whose tools the brain's `mcp` steps call. */
const MCP_NAMESPACE = 'mcp__tinytown';

/** A Responses API input or output item, as much of it as this mock reads. */
interface Item {
  readonly type?: string;
  readonly role?: string;
  readonly content?: unknown;
  readonly name?: string;
  readonly namespace?: string;
  /** A function call's arguments: a JSON string (a tool_search_call's are an object). */
  readonly arguments?: unknown;
  readonly call_id?: string;
  readonly output?: unknown;
  /** A tool_search_output's tools: the deferred tools the search loaded. */
  readonly tools?: readonly Tool[];
}

/** A tool as offered: a function, or a namespace of functions (an MCP server's tools). */
interface Tool {
  readonly type?: string;
  readonly name?: string;
  readonly tools?: readonly Tool[];
}

interface RequestBody {
  readonly input?: readonly Item[];
  readonly tools?: readonly Tool[];
  readonly previous_response_id?: string;
}

/**
 * Codex's own context, sent as user messages before the prompt: the
 * environment (`<environment_context>`), AGENTS.md and other instructions
 * (`# AGENTS.md instructions for …`, `<user_instructions>`, `<skills_instructions>`, …).
 */
function isCodexContext(text: string): boolean {
  const start = text.trimStart();
  return /^<[a-z_]+>/.test(start) || start.startsWith('# AGENTS.md instructions');
}

/** A message's text parts (a string content is one part). */
function contentParts(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  return content.flatMap((part: { text?: unknown }) => (typeof part?.text === 'string' ? [part.text] : []));
}

/**
 * The prompt tt gave Codex on stdin: the first user message with text that is
 * not Codex's own context (Codex may put AGENTS.md and the environment in one
 * message of two parts, before the prompt's own message).
 */
function findPrompt(input: readonly Item[]): string {
  for (const item of input) {
    if (item.type !== 'message' || item.role !== 'user') continue;
    const own = contentParts(item.content).filter((text) => !isCodexContext(text));
    if (own.length > 0) return own.join('');
  }
  return '';
}

/** A tool's output as Codex reports it: a string, or content items (MCP results). */
function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (output && typeof output === 'object' && 'content' in output) return outputText((output as { content: unknown }).content);
  return contentParts(output).join('');
}

/** A call's arguments as an object: a function call's JSON string parsed, a tool search's object as it is. */
function parseArguments(raw: unknown): Record<string, unknown> {
  let parsed = raw;
  if (typeof raw === 'string') {
    try {
      parsed = JSON.parse(raw);
    } catch {
      return {};
    }
  }
  return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
}

/** The brain's step a function call made, or undefined for a call that is no step of its own. */
function stepOfCall(call: Item): AgentStep | undefined {
  const args = parseArguments(call.arguments);
  const name = call.name ?? '';
  if (name === 'exec_command' && typeof args.cmd === 'string') return { kind: 'shell', command: args.cmd };
  if (name === 'shell_command' && typeof args.command === 'string') return { kind: 'shell', command: args.command };
  if (name === 'shell' && Array.isArray(args.command)) return { kind: 'shell', command: String(args.command.at(-1)) };
  if (call.namespace === MCP_NAMESPACE) return { kind: 'mcp', tool: name, args };
  if (name.startsWith(`${MCP_NAMESPACE}__`)) return { kind: 'mcp', tool: name.slice(MCP_NAMESPACE.length + 2), args };
  return undefined;
}

/**
 * The steps taken so far with their outputs, from the function calls in the
 * input and their outputs (matched by call_id). A write_stdin poll of a
 * still-running command is the mock's own: its output is appended to the
 * command's, so the brain sees one shell step.
 */
function findResults(input: readonly Item[]): StepResult[] {
  const outputs = new Map<string, string>();
  for (const item of input) {
    if (item.type === 'function_call_output' && item.call_id) outputs.set(item.call_id, outputText(item.output));
  }
  const results: Array<{ step: AgentStep; output: string }> = [];
  for (const item of input) {
    if (item.type !== 'function_call' || !item.call_id) continue;
    const output = outputs.get(item.call_id) ?? '';
    if (item.name === 'write_stdin' && results.length > 0) {
      results[results.length - 1]!.output += `\n${output}`;
      continue;
    }
    const step = stepOfCall(item);
    if (step) results.push({ step, output });
  }
  return results;
}

/** A tool's name, and a namespace's tools also as `<namespace>__<tool>` (the name Claude Code would give them). */
function toolNames(tool: Tool): string[] {
  const name = tool.name ?? tool.type ?? '';
  if (tool.type !== 'namespace') return [name];
  return [name, ...(tool.tools ?? []).map((member) => `${name}__${member.name ?? ''}`)];
}

/**
 * Deferred namespaces, named in a developer message ("Deferred tool
 * namespaces:\n- mcp__tinytown: …"): with a model that searches for tools,
 * Codex offers an MCP server's tools only through tool_search.
 */
function deferredNamespaces(input: readonly Item[]): string[] {
  const names: string[] = [];
  for (const item of input) {
    if (item.type !== 'message' || item.role !== 'developer') continue;
    const text = contentParts(item.content).join('\n');
    const list = /Deferred tool namespaces:\n((?:- [^\n]*\n?)*)/.exec(text)?.[1] ?? '';
    for (const match of list.matchAll(/^- ([\w-]+):/gm)) names.push(match[1]!);
  }
  return names;
}

/**
 * Every tool name the model can call: offered in the request, loaded by an
 * earlier tool_search, or a deferred namespace (its tools not known yet).
 */
function offeredTools(body: RequestBody, input: readonly Item[]): string[] {
  const loaded = input.filter((item) => item.type === 'tool_search_output').flatMap((item) => item.tools ?? []);
  const names = [...(body.tools ?? []), ...loaded].flatMap(toolNames);
  return [...new Set([...names, ...deferredNamespaces(input)])];
}

/** The session of the last command if it is still running (its last output says so, and nothing polled it since). */
function runningSession(input: readonly Item[]): number | undefined {
  const last = input.at(-1);
  if (last?.type !== 'function_call_output') return undefined;
  const match = RUNNING_SESSION.exec(outputText(last.output));
  return match ? Number(match[1]) : undefined;
}

function functionCall(callId: string, name: string, args: unknown, namespace?: string): Record<string, unknown> {
  return { type: 'function_call', id: `fc_${callId}`, call_id: callId, ...(namespace ? { namespace } : {}), name, arguments: JSON.stringify(args), status: 'completed' };
}

/**
 * The query that loads MCP tool `tool`, when it must be searched for first:
 * Codex offers tool_search, the tool is not loaded yet, and it was not
 * searched for already in this conversation (if a search found nothing, the
 * mock calls the tool anyway and Codex reports what happens).
 */
function toolSearchFor(tool: string, tools: readonly string[], input: readonly Item[]): string | undefined {
  if (!tools.includes('tool_search') || tools.includes(`${MCP_NAMESPACE}__${tool}`)) return undefined;
  const query = `${MCP_NAMESPACE} ${tool}`;
  const searched = input.some((item) => item.type === 'tool_search_call' && parseArguments(item.arguments).query === query);
  return searched ? undefined : query;
}

/** A client-side tool search (its arguments are an object, not a JSON string as a function call's are). */
function toolSearchCall(callId: string, query: string): Record<string, unknown> {
  return { type: 'tool_search_call', id: `ts_${callId}`, call_id: callId, status: 'completed', execution: 'client', arguments: { query, limit: 8 } };
}

/** The output item that carries a step out: a function call, or the final message. */
function itemForStep(step: AgentStep, tools: readonly string[], callId: string, yieldTimeMs: number): Record<string, unknown> {
  switch (step.kind) {
    case 'shell': {
      const tool = (Object.keys(SHELL_TOOLS) as ShellToolName[]).find((name) => tools.includes(name));
      if (!tool) throw new Error(`Codex offered no shell tool (tools: ${tools.join(', ') || 'none'}): set model = "${CODEX_MODEL}" in config.toml (codexConfigToml)`);
      return functionCall(callId, tool, SHELL_TOOLS[tool](step.command, yieldTimeMs));
    }
    case 'mcp':
      return functionCall(callId, step.tool, step.args, MCP_NAMESPACE);
    case 'done':
      return { type: 'message', id: `msg_${callId}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: step.text, annotations: [] }] };
  }
}

/** Writes one server-sent event the way the Responses API does: `event:` the type, `data:` the JSON. */
function sendEvent(res: ServerResponse, event: Record<string, unknown> & { type: string }): void {
  res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
}

/**
 * Streams one response holding one output item. Codex acts on
 * `response.output_item.done` and only reports the turn's usage once the
 * stream ends after `response.completed`, so the response is closed right after it.
 */
function streamResponse(res: ServerResponse, responseId: string, item: Record<string, unknown>): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const response = { id: responseId, object: 'response', model: 'mock', status: 'in_progress', output: [] as unknown[] };
  sendEvent(res, { type: 'response.created', response });
  sendEvent(res, { type: 'response.in_progress', response });
  const started = { ...item, status: 'in_progress', ...(item.type === 'message' ? { content: [] } : {}), ...(item.type === 'function_call' ? { arguments: '' } : {}) };
  sendEvent(res, { type: 'response.output_item.added', output_index: 0, item: started });
  if (item.type === 'message') {
    const text = (item.content as Array<{ text: string }>)[0]!.text;
    const part = { type: 'output_text', text: '', annotations: [] };
    sendEvent(res, { type: 'response.content_part.added', item_id: item.id, output_index: 0, content_index: 0, part });
    sendEvent(res, { type: 'response.output_text.delta', item_id: item.id, output_index: 0, content_index: 0, delta: text });
    sendEvent(res, { type: 'response.output_text.done', item_id: item.id, output_index: 0, content_index: 0, text });
    sendEvent(res, { type: 'response.content_part.done', item_id: item.id, output_index: 0, content_index: 0, part: { ...part, text } });
  }
  if (item.type === 'function_call') {
    sendEvent(res, { type: 'response.function_call_arguments.delta', item_id: item.id, output_index: 0, delta: item.arguments });
    sendEvent(res, { type: 'response.function_call_arguments.done', item_id: item.id, output_index: 0, arguments: item.arguments });
  }
  sendEvent(res, { type: 'response.output_item.done', output_index: 0, item });
  sendEvent(res, { type: 'response.completed', response: { ...response, status: 'completed', output: [item], usage: MOCK_USAGE } });
  res.end();
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export interface ResponsesMock extends ModelMock {
  /** What the brain was given, each time it was asked, in order. */
  readonly conversations: readonly Conversation[];
}

/** A Responses API mock answering from `brain`; the provider's `base_url` is its `url` + `/v1` (codexConfigToml). */
export async function startResponsesMock(brain: Brain, options: ResponsesMockOptions = {}): Promise<ResponsesMock> {
  const yieldTimeMs = options.yieldTimeMs ?? UNIFIED_EXEC_MAX_YIELD_MS;
  const requests: Array<{ method: string; path: string; body: unknown }> = [];
  const conversations: Conversation[] = [];
  /** Each response's whole conversation (input then output), for a request that continues one by previous_response_id. */
  const history = new Map<string, readonly Item[]>();
  let responses = 0;

  const answer = (body: RequestBody, res: ServerResponse): void => {
    const input = [...(body.previous_response_id ? history.get(body.previous_response_id) ?? [] : []), ...(body.input ?? [])];
    const tools = offeredTools(body, input);
    responses += 1;
    const responseId = `resp_mock_${responses}`;
    const callId = `call_mock_${responses}`;
    const session = runningSession(input);
    let item: Record<string, unknown>;
    if (session !== undefined) {
      // The command is still running: wait for it, as a model would, without asking the brain.
      item = functionCall(callId, 'write_stdin', { session_id: session, chars: '', yield_time_ms: yieldTimeMs });
    } else {
      const conversation: Conversation = { prompt: findPrompt(input), results: findResults(input), tools };
      conversations.push(conversation);
      const step = brain(conversation);
      const search = step.kind === 'mcp' ? toolSearchFor(step.tool, tools, input) : undefined;
      // A deferred MCP tool is searched for first, as the model is told to; the brain is asked again once it is loaded.
      item = search ? toolSearchCall(callId, search) : itemForStep(step, tools, callId, yieldTimeMs);
    }
    history.set(responseId, [...input, item]);
    streamResponse(res, responseId, item);
  };

  const server = createServer((req, res) => {
    void (async () => {
      const path = req.url ?? '/';
      const route = `${req.method} ${path.split('?')[0]}`;
      try {
        const body = await readBody(req);
        requests.push({ method: req.method ?? '', path, body });
        if (route === 'POST /v1/responses') return answer((body ?? {}) as RequestBody, res);
        if (route === 'GET /v1/models') return sendJson(res, 200, { object: 'list', data: [], models: [] });
        return sendJson(res, 404, { error: { type: 'invalid_request_error', code: 'not_found', message: `the mock has no ${route}` } });
      } catch (error) {
        // A 400, not a 5xx: Codex retries server errors, and a brain that cannot go on should fail the run now.
        return sendJson(res, 400, { error: { type: 'invalid_request_error', message: (error as Error).message } });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    conversations,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    }),
  };
}
