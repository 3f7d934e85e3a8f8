/**
 * A mock of the Gemini API for Gemini CLI (issue 18, protocol.ts), on 127.0.0.1.
 * Gemini CLI (0.61) with GOOGLE_GEMINI_BASE_URL and an API key calls:
 * - `POST /v1beta/models/<model>:streamGenerateContent?alt=sse` for the
 *   agent's turns: the conversation is `contents` (user text, model
 *   `functionCall` parts, user `functionResponse` parts), the tools are
 *   `tools[].functionDeclarations` (`run_shell_command` {command}, MCP tools as
 *   `mcp_<server>_<tool>`); the answer is server-sent events, each `data:` a
 *   GenerateContentResponse with `usageMetadata`;
 * - `POST /v1beta/models/<model>:generateContent` for its side calls (the
 *   routing classifier, and other checks), each asking for JSON in a
 *   `responseJsonSchema`: they get the smallest object that schema accepts,
 *   which sends the CLI down its default path.
 * Token counts are deterministic (a quarter of the characters), so the usage
 * the CLI reports, and tt records, is known to be non-zero.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentStep, Brain, Conversation, ModelMock, StepResult } from '../protocol.js';

type Json = Record<string, unknown>;

interface Part {
  text?: string;
  thought?: boolean;
  functionCall?: { name?: string; args?: Json };
  functionResponse?: { name?: string; response?: unknown };
}

interface Content {
  role?: string;
  parts?: Part[];
}

export const GEMINI_SHELL_TOOL = 'run_shell_command';
const MCP_PREFIX = /^mcp_tinytown_/;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deterministic stand-in for a token count. */
export function tokenCount(value: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(value ?? '').length / 4));
}

/** The text a function response carries back: its `output` (run_shell_command), else the whole response as JSON. */
function responseText(response: unknown): string {
  if (isObject(response) && typeof response.output === 'string') return response.output;
  if (isObject(response) && typeof response.error === 'string') return response.error;
  return JSON.stringify(response ?? null);
}

/** The step a functionCall part stands for (the inverse of `toPart`). */
function stepOf(call: NonNullable<Part['functionCall']>): AgentStep {
  const name = call.name ?? '';
  const args = call.args ?? {};
  if (name === GEMINI_SHELL_TOOL) return { kind: 'shell', command: typeof args.command === 'string' ? args.command : '' };
  return { kind: 'mcp', tool: name.replace(MCP_PREFIX, ''), args };
}

/**
 * The conversation as the brain sees it: the user's text before the model's
 * first turn (Gemini CLI sends its own `<session_context>` first, then the
 * prompt), and each function call with the response that followed it.
 */
export function decodeConversation(body: Json): Conversation {
  const contents = (Array.isArray(body.contents) ? body.contents : []) as Content[];
  const promptParts: string[] = [];
  const results: StepResult[] = [];
  let modelSpoke = false;
  let answered = 0;
  for (const content of contents) {
    const parts = content.parts ?? [];
    if (content.role === 'model') {
      modelSpoke = true;
      for (const part of parts) if (part.functionCall) results.push({ step: stepOf(part.functionCall), output: '' });
      continue;
    }
    if (!modelSpoke) promptParts.push(...parts.filter((part) => typeof part.text === 'string' && !part.text.startsWith('<session_context>')).map((part) => part.text!));
    // Responses answer the calls in the order they were made.
    for (const part of parts) {
      if (!part.functionResponse || answered >= results.length) continue;
      results[answered] = { step: results[answered]!.step, output: responseText(part.functionResponse.response) };
      answered++;
    }
  }
  const tools = (Array.isArray(body.tools) ? body.tools : []).flatMap((tool: unknown) =>
    (isObject(tool) && Array.isArray(tool.functionDeclarations) ? tool.functionDeclarations : []).map((declaration: unknown) => (isObject(declaration) ? String(declaration.name) : '')));
  return { prompt: promptParts.join('\n'), results, tools };
}

/** The part that says this step in Gemini's words. */
function toPart(step: AgentStep): Part {
  switch (step.kind) {
    case 'shell': return { functionCall: { name: GEMINI_SHELL_TOOL, args: { command: step.command } } };
    case 'mcp': return { functionCall: { name: `mcp_tinytown_${step.tool}`, args: { ...step.args } } };
    case 'done': return { text: step.text };
  }
}

/** The smallest value a (Gemini-flavoured, upper- or lower-case) JSON schema accepts. */
export function minimalValue(schema: unknown): unknown {
  if (!isObject(schema)) return null;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  switch (String(schema.type ?? '').toLowerCase()) {
    case 'string': return 'mock';
    case 'integer': case 'number': return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean': return false;
    case 'array': return [];
    case 'object': {
      const properties = isObject(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? schema.required.map(String) : Object.keys(properties);
      return Object.fromEntries(required.map((key) => [key, minimalValue(properties[key])]));
    }
    default: return null;
  }
}

function usageMetadata(request: unknown, answer: unknown): Json {
  const prompt = tokenCount(request);
  const candidates = tokenCount(answer);
  return { promptTokenCount: prompt, candidatesTokenCount: candidates, totalTokenCount: prompt + candidates };
}

/** A side call's answer: JSON matching the schema it asked for, else a short text. */
function sideAnswer(body: Json): Json {
  const config = isObject(body.generationConfig) ? body.generationConfig : {};
  const schema = config.responseJsonSchema ?? config.responseSchema;
  const text = schema === undefined ? 'OK' : JSON.stringify(minimalValue(schema));
  const parts = [{ text }];
  return { candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }], usageMetadata: usageMetadata(body, parts), modelVersion: 'mock' };
}

function readJson(request: IncomingMessage): Promise<Json> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => { text += chunk; });
    request.on('end', () => {
      try {
        const value: unknown = text ? JSON.parse(text) : {};
        resolve(isObject(value) ? value : {});
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    request.on('error', reject);
  });
}

export async function startGeminiMock(brain: Brain): Promise<ModelMock> {
  const requests: Array<{ method: string; path: string; body: unknown }> = [];
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readJson(request);
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    requests.push({ method: request.method ?? '', path: url.pathname, body });
    const action = /^\/v1beta\/models\/[^/:]+:(\w+)$/.exec(url.pathname)?.[1];
    if (request.method !== 'POST' || (action !== 'generateContent' && action !== 'streamGenerateContent')) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 404, message: `the mock has no ${request.method} ${url.pathname}`, status: 'NOT_FOUND' } }));
      return;
    }
    if (action === 'generateContent') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(sideAnswer(body)));
      return;
    }
    const parts = [toPart(brain(decodeConversation(body)))];
    const chunk = { candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }], usageMetadata: usageMetadata(body, parts), modelVersion: 'mock' };
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    response.end(`data: ${JSON.stringify(chunk)}\r\n\r\n`);
  };
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 500, message: `mock: ${String(error)}`, status: 'INTERNAL' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
