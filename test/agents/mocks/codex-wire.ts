/**
 * Codex's side of the Responses API, for the mock in openai-responses.ts:
 * reading a request into the brain's Conversation, and writing the brain's
 * step as the output item Codex acts on. Codex 0.171.0 shapes its tools by
 * model, and two shapes are spoken here:
 * - plain: `tools` holds functions (`exec_command`, `write_stdin`, …) and MCP
 *   servers as namespaces (`mcp__tinytown` with `send`, …) — offered up front,
 *   or (gpt-5.5) deferred: named in a developer message and loaded by a
 *   `tool_search_call`;
 * - code mode (its default model, gpt-6.2-sol): no `tools`; an
 *   `additional_tools` input item offers one JavaScript tool, `exec`, whose
 *   script calls every other tool as `await tools.<name>(args)`
 *   (`tools.mcp__tinytown__send`), finds deferred ones in `ALL_TOOLS`, and
 *   answers with what it passes to `text()`.
 * The mock's own scripts carry their step on a marker line, so a later request
 * tells which step each `exec` call was.
 */
import type { AgentStep, Conversation, StepResult } from '../protocol.js';

/** The MCP server whose tools the brain's `mcp` steps call, and the namespace Codex gives them. */
const MCP_SERVER = 'tinytown';
export const MCP_NAMESPACE = `mcp__${MCP_SERVER}`;

/** A Responses API input or output item, as much of it as the mock reads. */
export interface Item {
  readonly type?: string;
  readonly role?: string;
  readonly content?: unknown;
  readonly name?: string;
  readonly namespace?: string;
  /** A function call's arguments: a JSON string (a tool_search_call's are an object). */
  readonly arguments?: unknown;
  /** A custom tool call's input: for `exec`, the script. */
  readonly input?: string;
  readonly call_id?: string;
  readonly output?: unknown;
  /** A tool_search_output's tools (the deferred tools it loaded), or additional_tools' tools. */
  readonly tools?: readonly Tool[];
}

/** A tool as offered: a function or custom tool, or a namespace of them. */
export interface Tool {
  readonly type?: string;
  readonly name?: string;
  readonly description?: string;
  readonly tools?: readonly Tool[];
}

export interface RequestBody {
  readonly input?: readonly Item[];
  readonly tools?: readonly Tool[];
  readonly previous_response_id?: string;
}

/** What Codex offered in one request. */
export interface Offer {
  /** Every name the model can call (Conversation.tools). */
  readonly tools: readonly string[];
  /** True when the only way to act is a script for the `exec` tool. */
  readonly codeMode: boolean;
  /** True when the tinytown tools are deferred and not loaded yet in this conversation. */
  readonly mcpDeferred: boolean;
}

/** How the mock's own `exec` scripts say what they are, on their second line. */
const SCRIPT_MARKER = '// tt-mock-step: ';
/** The step of a script that lists the deferred MCP tools (the mock's own; never the brain's). */
type ScriptStep = AgentStep | { readonly kind: 'discover' };

/** exec_command's answer for a command still running: "Process running with session ID 3". */
const RUNNING_SESSION = /Process running with session ID (\d+)/;

/**
 * Codex's own context, sent as user messages before the prompt: the
 * environment (`<environment_context>`), AGENTS.md and other instructions
 * (`# AGENTS.md instructions for …`, `<user_instructions>`, …).
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

/** A tool's output as Codex reports it: a string, or text parts (MCP results, exec scripts). */
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

/** The step one of the mock's `exec` scripts took, from its marker line. */
function scriptStep(script: string | undefined): ScriptStep | undefined {
  const line = (script ?? '').split('\n').find((text) => text.startsWith(SCRIPT_MARKER));
  if (!line) return undefined;
  try {
    return JSON.parse(line.slice(SCRIPT_MARKER.length)) as ScriptStep;
  } catch {
    return undefined;
  }
}

/** The brain's step a call made, or undefined for a call that is no step of its own. */
function stepOfCall(call: Item): ScriptStep | undefined {
  if (call.type === 'custom_tool_call') return call.name === 'exec' ? scriptStep(call.input) : undefined;
  const args = parseArguments(call.arguments);
  const name = call.name ?? '';
  if (name === 'exec_command' && typeof args.cmd === 'string') return { kind: 'shell', command: args.cmd };
  if (name === 'shell_command' && typeof args.command === 'string') return { kind: 'shell', command: args.command };
  if (name === 'shell' && Array.isArray(args.command)) return { kind: 'shell', command: String(args.command.at(-1)) };
  if (call.namespace === MCP_NAMESPACE) return { kind: 'mcp', tool: name, args };
  if (name.startsWith(`${MCP_NAMESPACE}__`)) return { kind: 'mcp', tool: name.slice(MCP_NAMESPACE.length + 2), args };
  return undefined;
}

const CALLS = new Set(['function_call', 'custom_tool_call']);
const OUTPUTS = new Set(['function_call_output', 'custom_tool_call_output']);

/**
 * The steps taken so far with their outputs, from the calls in the input and
 * their outputs (matched by call_id). A write_stdin poll of a still-running
 * command is the mock's own: its output is appended to the command's, so the
 * brain sees one shell step.
 */
function findResults(input: readonly Item[]): StepResult[] {
  const outputs = new Map<string, string>();
  for (const item of input) {
    if (OUTPUTS.has(item.type ?? '') && item.call_id) outputs.set(item.call_id, outputText(item.output));
  }
  const results: Array<{ step: AgentStep; output: string }> = [];
  for (const item of input) {
    if (!CALLS.has(item.type ?? '') || !item.call_id) continue;
    const output = outputs.get(item.call_id) ?? '';
    if (item.name === 'write_stdin' && results.length > 0) {
      results[results.length - 1]!.output += `\n${output}`;
      continue;
    }
    const step = stepOfCall(item);
    if (step && step.kind !== 'discover') results.push({ step, output });
  }
  return results;
}

/** A tool's name, and a namespace's tools also as `<namespace>__<tool>` (the name Claude Code would give them). */
function toolNames(tool: Tool): string[] {
  const name = tool.name ?? tool.type ?? '';
  if (tool.type !== 'namespace') return [name];
  return [name, ...(tool.tools ?? []).flatMap((member) => toolNames({ ...member, name: `${name}__${member.name ?? ''}` }))];
}

/** The tools an `exec` script can call, from its description's declarations (`declare const tools: { exec_command(`). */
function scriptTools(tools: readonly Tool[]): string[] {
  const exec = tools.flatMap((tool) => [tool, ...(tool.tools ?? [])]).find((tool) => tool.type === 'custom' && tool.name === 'exec');
  return [...(exec?.description ?? '').matchAll(/declare const tools: \{ (\w+)\(/g)].map((match) => match[1]!);
}

/**
 * Deferred namespaces, named in a developer message ("Deferred tool
 * namespaces:\n- mcp__tinytown: …"): their tools are offered only once
 * searched for (tool_search, or ALL_TOOLS in an exec script).
 */
function deferredNamespaces(input: readonly Item[]): string[] {
  const names: string[] = [];
  for (const item of input) {
    if (item.type !== 'message' || item.role !== 'developer') continue;
    const list = /Deferred tool namespaces:\n((?:- [^\n]*\n?)*)/.exec(contentParts(item.content).join('\n'))?.[1] ?? '';
    for (const match of list.matchAll(/^- ([\w-]+):/gm)) names.push(match[1]!);
  }
  return names;
}

/** The tool names one of the mock's discovery scripts printed (a JSON array in its output). */
function discoveredTools(input: readonly Item[]): string[] {
  const scripts = new Set(input.filter((item) => item.type === 'custom_tool_call' && scriptStep(item.input)?.kind === 'discover').map((item) => item.call_id));
  return input.filter((item) => item.type === 'custom_tool_call_output' && scripts.has(item.call_id)).flatMap((item) => {
    const text = outputText(item.output);
    try {
      return JSON.parse(text.slice(text.indexOf('['), text.lastIndexOf(']') + 1)) as string[];
    } catch {
      return [];
    }
  });
}

/** Whether the deferred tinytown tools were searched for already in this conversation (found or not: once is enough). */
function searchedForMcp(input: readonly Item[]): boolean {
  return input.some((item) => item.type === 'tool_search_call' || (item.type === 'custom_tool_call' && scriptStep(item.input)?.kind === 'discover'));
}

/** What Codex offered: in the request's tools, in additional_tools, loaded by a search, or deferred by name. */
export function readOffer(body: RequestBody, input: readonly Item[]): Offer {
  const additional = input.filter((item) => item.type === 'additional_tools').flatMap((item) => item.tools ?? []);
  const loaded = input.filter((item) => item.type === 'tool_search_output').flatMap((item) => item.tools ?? []);
  const offered = [...(body.tools ?? []), ...additional];
  const deferred = deferredNamespaces(input);
  const plain = [...offered, ...loaded].flatMap(toolNames);
  const scripted = scriptTools(offered);
  const tools = [...new Set([...plain, ...scripted, ...discoveredTools(input), ...deferred])];
  const codeMode = !plain.includes('exec_command') && scripted.includes('exec_command');
  const mcpLoaded = tools.some((name) => name.startsWith(`${MCP_NAMESPACE}__`));
  return { tools, codeMode, mcpDeferred: deferred.includes(MCP_NAMESPACE) && !mcpLoaded && !searchedForMcp(input) };
}

/** What the brain is given. */
export function readConversation(input: readonly Item[], offer: Offer): Conversation {
  return { prompt: findPrompt(input), results: findResults(input), tools: offer.tools };
}

/** The session of the last command if it is still running (its last output says so, and nothing polled it since). */
export function runningSession(input: readonly Item[]): number | undefined {
  const last = input.at(-1);
  if (last?.type !== 'function_call_output') return undefined;
  const match = RUNNING_SESSION.exec(outputText(last.output));
  return match ? Number(match[1]) : undefined;
}

type OutputItem = Record<string, unknown> & { readonly type: string };

function functionCall(callId: string, name: string, args: unknown, namespace?: string): OutputItem {
  return { type: 'function_call', id: `fc_${callId}`, call_id: callId, ...(namespace ? { namespace } : {}), name, arguments: JSON.stringify(args), status: 'completed' };
}

/** Waiting on a command still running, as a model would (no step of the brain's). */
export function pollCall(callId: string, session: number, yieldTimeMs: number): OutputItem {
  return functionCall(callId, 'write_stdin', { session_id: session, chars: '', yield_time_ms: yieldTimeMs });
}

/**
 * Loading the deferred tinytown tools before the brain is asked, so that its
 * Conversation.tools names them: a client-side tool_search (arguments an
 * object, not a JSON string), or in code mode a script listing ALL_TOOLS.
 */
export function discoveryCall(callId: string, offer: Offer): OutputItem {
  if (offer.codeMode) {
    return scriptCall(callId, { kind: 'discover' }, `text(JSON.stringify(ALL_TOOLS.map((tool) => tool.name).filter((name) => name.startsWith(${JSON.stringify(`${MCP_NAMESPACE}__`)}))));`);
  }
  // "tinytown", not "mcp__tinytown": the search matches words, and finds nothing for the namespace's whole name.
  return { type: 'tool_search_call', id: `ts_${callId}`, call_id: callId, status: 'completed', execution: 'client', arguments: { query: MCP_SERVER, limit: 100 } };
}

/** An `exec` script: the marker line saying its step, then the code. */
function scriptCall(callId: string, step: ScriptStep, code: string): OutputItem {
  return { type: 'custom_tool_call', id: `ctc_${callId}`, call_id: callId, name: 'exec', input: `${SCRIPT_MARKER}${JSON.stringify(step)}\n${code}`, status: 'completed' };
}

/**
 * A step as an `exec` script. A command is waited for to its end (polled
 * while it runs) and reported as the plain shell tool reports it; an MCP
 * tool's text content is passed on as it is.
 */
function scriptForStep(step: AgentStep & { kind: 'shell' | 'mcp' }, yieldTimeMs: number): string {
  if (step.kind === 'mcp') {
    return [
      `const result = await tools.${MCP_NAMESPACE}__${step.tool}(${JSON.stringify(step.args)});`,
      "text((result.isError ? 'MCP tool error:\\n' : '') + (result.content ?? []).map((part) => part.text ?? '').join('\\n'));",
    ].join('\n');
  }
  return [
    `let result = await tools.exec_command({ cmd: ${JSON.stringify(step.command)}, yield_time_ms: ${yieldTimeMs} });`,
    "let output = result.output ?? '';",
    'while (result.exit_code === undefined && result.session_id !== undefined) {',
    `  result = await tools.write_stdin({ session_id: result.session_id, chars: '', yield_time_ms: ${yieldTimeMs} });`,
    "  output += result.output ?? '';",
    '}',
    'text(`Process exited with code ${result.exit_code}\\nOutput:\\n${output}`);',
  ].join('\n');
}

/** The shell tools Codex may offer in plain mode, newest first, and how each wants its command. */
const SHELL_TOOLS = {
  exec_command: (command: string, yieldTimeMs: number) => ({ cmd: command, yield_time_ms: yieldTimeMs }),
  shell_command: (command: string) => ({ command }),
  shell: (command: string) => ({ command: ['bash', '-c', command] }),
} as const;
type ShellToolName = keyof typeof SHELL_TOOLS;

/** The output item that carries a step out: a tool call (a function, or an exec script), or the final message. */
export function itemForStep(step: AgentStep, offer: Offer, callId: string, yieldTimeMs: number): OutputItem {
  if (step.kind === 'done') {
    return { type: 'message', id: `msg_${callId}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: step.text, annotations: [] }] };
  }
  if (offer.codeMode) return scriptCall(callId, step, scriptForStep(step, yieldTimeMs));
  if (step.kind === 'mcp') return functionCall(callId, step.tool, step.args, MCP_NAMESPACE);
  const tool = (Object.keys(SHELL_TOOLS) as ShellToolName[]).find((name) => offer.tools.includes(name));
  if (!tool) throw new Error(`Codex offered no shell tool (tools: ${offer.tools.join(', ') || 'none'})`);
  return functionCall(callId, tool, SHELL_TOOLS[tool](step.command, yieldTimeMs));
}
