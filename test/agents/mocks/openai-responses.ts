/**
 * A mock of the OpenAI Responses API that plays Codex's model from a
 * deterministic Brain (test/agents/protocol.ts), for the real-CLI suite.
 * Checked against the real Codex 0.171.0 (test/agents/codex-mock.test.ts);
 * the wire format of Codex's requests and of the steps is in codex-wire.ts.
 *
 * What it implements:
 * - `POST /v1/responses`, streaming SSE (Codex always asks for `stream: true`):
 *   `response.created`, `response.in_progress`, `response.output_item.added`
 *   (the item empty), its content as deltas (`output_text`, function call
 *   arguments, custom tool input), `response.output_item.done` (the item
 *   whole: what Codex acts on), `response.completed` with MOCK_USAGE, and the
 *   stream ends (Codex takes a response as complete only when its stream
 *   closes). One output item per response.
 * - `GET /v1/models`: an empty list (0.171.0 never asks with a custom provider).
 * - Anything else: a 404 in the API's error shape. Every request, expected or
 *   not, is kept in `requests` (method, path with query, parsed JSON body);
 *   `conversations` keeps what the brain was given, in order.
 * - A brain that throws gets a 400 (not a 5xx, which Codex retries with
 *   backoff): the turn fails at once (`turn.failed`, exit 1) with the message.
 *
 * What Codex needs to talk to it (codexConfigToml writes the config):
 * - `$CODEX_HOME/config.toml`: `model_provider = "mock"`, `[model_providers.mock]`
 *   with `name`, `base_url = "<mock.url>/v1"`, `env_key = "MOCK_API_KEY"`,
 *   `wire_api = "responses"`, and `[features] plugins = false`; `model` is
 *   optional (see the tool shapes below). Codex ignores OPENAI_BASE_URL. For
 *   the tinytown tools, append what `tt mcp --print-config codex` prints on
 *   stdout (its comments go to stderr). Its `required = true` matters when a
 *   CODEX_HOME serves more than one run (a town's agents, round after round):
 *   without it, Codex with state from earlier runs often asks the model before
 *   `tt mcp` is up, and about half such rounds offer no tinytown tool at all.
 * - Environment: `CODEX_HOME` and `HOME` fresh per run (owned by the user
 *   Codex runs as), `MOCK_API_KEY` = anything (sent as the bearer token;
 *   without it every turn fails: "Missing environment variable"), and the
 *   TINYTOWN_* variables for `tt mcp` (its `env_vars` passes them on). With
 *   these, Codex sends nothing but `POST /v1/responses`.
 * - The preset runs as it is, as root and as an unprivileged user
 *   (`setpriv --reuid=65534 …`: the repository must be that user's, or git
 *   refuses it as "dubious ownership", and so must HOME and CODEX_HOME).
 *
 * Quirks found, and what the mock does about them:
 * - The model decides the tools' shape (both handled, codex-wire.ts): the
 *   default model (gpt-6.2-sol) gets "code mode" — no `tools`, one JavaScript
 *   tool `exec` in an `additional_tools` input item, whose script calls the
 *   others (`await tools.exec_command({cmd})`, `tools.mcp__tinytown__send(…)`);
 *   gpt-5.5 (CODEX_PLAIN_TOOLS_MODEL) gets plain functions (`exec_command`,
 *   `write_stdin`, `apply_patch`, `tool_search`, …); a model Codex does not
 *   know gets plain functions too, but every run then starts with a "Model
 *   metadata … not found" error event, which tt logs.
 * - Shell: Codex runs `/bin/bash -c <cmd>` (no login shell, thanks to the
 *   preset's `allow_login_shell=false`). The plain tool answers "Chunk ID:
 *   …\nWall time: …\nProcess exited with code N\nOriginal token count:
 *   …\nOutput:\n…"; in a script it returns `{exit_code, output, …}`, which the
 *   mock's script reports in the same words. A command still running after
 *   `yield_time_ms` (at most 30 s; 10 s if not given) leaves a session to poll
 *   with `write_stdin`: the mock asks for the full 30 s and polls on its own
 *   (its own calls, or a loop in the script); the brain sees one step with
 *   the whole output. The command's PATH is Codex's own helper folder (its
 *   bundled `rg`) and then the PATH Codex was given, tt's bin first.
 * - MCP: both models defer the tinytown tools — a developer message names
 *   the namespace ("Deferred tool namespaces:\n- mcp__tinytown: …") and
 *   nothing else. Before the brain is first asked, the mock loads them as a
 *   model would: a `tool_search_call` (arguments an object, not a JSON
 *   string; `execution: "client"`; query "tinytown" — "mcp__tinytown" finds
 *   nothing) that Codex answers with a `tool_search_output` holding the
 *   namespace, or in code mode a script listing `ALL_TOOLS`. The brain never
 *   sees that step; its Conversation.tools then names each tool as
 *   `mcp__tinytown__<tool>` (as Claude Code does). The call itself: a
 *   `function_call` with `namespace: "mcp__tinytown"` and the bare `name`
 *   (`send`), answered with `input_text` parts ("Wall time: …\nOutput:" then
 *   tt's JSON), or `await tools.mcp__tinytown__send(args)` in a script, whose
 *   text content the script passes on. (Codex runs either call unsearched too.)
 * - The conversation: `store: false` and the whole input every time, no
 *   `previous_response_id` (supported anyway). Before the prompt come
 *   developer messages (the system prompt, skills, permissions, tools) and a
 *   user message of Codex's own whose parts are AGENTS.md ("# AGENTS.md
 *   instructions for <dir>") and `<environment_context>`; the prompt is the
 *   first user text that is neither, exactly as given on stdin.
 * - Usage: `total_tokens` is required: without it Codex cannot parse
 *   `response.completed`, reconnects 5 times, then fails the turn. Every
 *   response reports MOCK_USAGE, and the `turn.completed` event of `codex
 *   exec --json` sums a turn's responses: `{input_tokens, cached_input_tokens,
 *   cache_write_input_tokens: 0, output_tokens, reasoning_output_tokens}` =
 *   MOCK_USAGE × responses (a shell step and the answer: 2; with the MCP
 *   tools loaded first: one more).
 * - stderr carries "Reading prompt from stdin..." and, with CODEX_HOME under
 *   /tmp, "WARNING: … could not create PATH aliases: Refusing to create helper
 *   binaries under temporary dir": harmless.
 *
 * Timing (2 shared cores, 7 runs each, medians, from spawn to the exit of
 * `codex exec`): the default model under load ~17, a shell round
 * (command, answer) 4.1 s, 3.1 s of it before Codex's first request; an MCP
 * round (load, call, answer) 6.0 s, 4.8 s before the first request (Codex
 * starts `tt mcp` first). gpt-5.5 under load ~12: 3.6 s and 5.3 s. The mock
 * answers in milliseconds.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Brain, Conversation, ModelMock } from '../protocol.js';
import { discoveryCall, itemForStep, pollCall, readConversation, readOffer, runningSession, type Item, type RequestBody } from './codex-wire.js';

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
 * A model whose tools are plain functions (the mock speaks both shapes; see
 * codex-wire.ts). Codex's default model (gpt-6.2-sol in 0.171.0) gets code mode.
 */
export const CODEX_PLAIN_TOOLS_MODEL = 'gpt-5.5';

/** The variable named by the provider's env_key: Codex sends its value as the bearer token, and fails every turn without it. */
export const CODEX_API_KEY_ENV = 'MOCK_API_KEY';

/**
 * The config.toml that points Codex at the mock (write it to $CODEX_HOME/config.toml,
 * set CODEX_API_KEY_ENV to anything; append an `[mcp_servers.…]` table as `tt mcp
 * --print-config codex` prints it). Codex ignores OPENAI_BASE_URL: only a
 * provider of its own reaches a local server. `plugins = false`: no plugin
 * discovery or sync calls to the internet. Without `model`, Codex's default.
 */
export function codexConfigToml(url: string, model?: string): string {
  return [
    ...(model ? [`model = "${model}"`] : []),
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

/** Writes one server-sent event the way the Responses API does: `event:` the type, `data:` the JSON. */
function sendEvent(res: ServerResponse, event: Record<string, unknown> & { type: string }): void {
  res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
}

/**
 * Streams one response holding one output item. Codex acts on
 * `response.output_item.done` and only reports the turn's usage once the
 * stream ends after `response.completed`, so the response is closed right after it.
 */
function streamResponse(res: ServerResponse, responseId: string, item: Record<string, unknown> & { type: string }): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const response = { id: responseId, object: 'response', model: 'mock', status: 'in_progress', output: [] as unknown[] };
  sendEvent(res, { type: 'response.created', response });
  sendEvent(res, { type: 'response.in_progress', response });
  // As the API streams it: the item first empty, then its content, then whole.
  const empty = { message: { content: [] }, function_call: { arguments: '' }, custom_tool_call: { input: '' } }[item.type as string] ?? {};
  const started = { ...item, status: 'in_progress', ...empty };
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
  if (item.type === 'custom_tool_call') {
    sendEvent(res, { type: 'response.custom_tool_call_input.delta', item_id: item.id, output_index: 0, delta: item.input });
    sendEvent(res, { type: 'response.custom_tool_call_input.done', item_id: item.id, output_index: 0, input: item.input });
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
    const offer = readOffer(body, input);
    responses += 1;
    const responseId = `resp_mock_${responses}`;
    const callId = `call_mock_${responses}`;
    const session = runningSession(input);
    let item: Record<string, unknown> & { type: string };
    if (session !== undefined) {
      item = pollCall(callId, session, yieldTimeMs);
    } else if (offer.mcpDeferred) {
      item = discoveryCall(callId, offer);
    } else {
      const conversation = readConversation(input, offer);
      conversations.push(conversation);
      item = itemForStep(brain(conversation), offer, callId, yieldTimeMs);
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
