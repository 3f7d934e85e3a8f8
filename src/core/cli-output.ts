/**
 * What an agent CLI says about its own round, read from its machine-readable
 * output (DESIGN §7): the human-readable text for the agent's log, and the
 * tokens and cost the CLI itself reported. Pure: the loop hands in what the
 * CLI printed on stdout (agents/run-cli.ts), a preset names the format
 * (core/presets.ts).
 *
 * The three CLIs count differently; a round's usage says the same thing for each:
 * - `input_tokens`: every token the model read, cached ones included (Claude
 *   Code reports uncached, cache-write and cache-read input apart; they are
 *   added up; Codex and Gemini CLI report the total already);
 * - `cache_tokens`: the part of the input read from the prompt cache;
 * - `output_tokens`: every token the model wrote, reasoning included (Gemini
 *   CLI reports its "thoughts" apart; they are added);
 * - `cost_usd`: only what the CLI reported (Claude Code); tt prices nothing itself.
 *
 * Output that is not in the expected form (a command line that dropped the
 * flag, a crash before the JSON) is logged as printed and reports no usage.
 */

export const CLI_OUTPUT_FORMATS = ['claude-json', 'codex-jsonl', 'gemini-json'] as const;
/** claude `--output-format json`, codex `exec --json`, gemini `--output-format json`. */
export type CliOutputFormat = (typeof CLI_OUTPUT_FORMATS)[number];

/**
 * Whether a command line's arguments ask for this format: a town.yml line that
 * runs `claude` without `--output-format json` gets its text logged as it comes.
 */
export function asksForOutput(format: CliOutputFormat, args: readonly string[]): boolean {
  const value = (flag: string) => {
    const at = args.indexOf(flag);
    if (at >= 0) return args[at + 1];
    return args.find((arg) => arg.startsWith(`${flag}=`))?.slice(flag.length + 1);
  };
  switch (format) {
    case 'claude-json': return value('--output-format') === 'json';
    case 'gemini-json': return value('--output-format') === 'json' || value('-o') === 'json';
    case 'codex-jsonl': return args.includes('--json') || args.includes('--experimental-json');
  }
}

export interface RoundUsage {
  input_tokens: number;
  output_tokens: number;
  cache_tokens: number;
  cost_usd: number | null;
}

export interface ParsedRound {
  /** What the log gets: the CLI's answer and what it did, or its output as printed. */
  text: string;
  /** Null when the output reported nothing. */
  usage: RoundUsage | null;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A token count as reported: a non-negative whole number, else 0 (a CLI's field may be missing or renamed). */
function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : 0;
}

function dollars(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

/** The one JSON object a CLI printed: the whole output, else from the first line that opens an object (a warning may come first). */
function jsonObject(stdout: string): Json | undefined {
  const attempts = [stdout.trim()];
  const start = stdout.search(/^\{/m);
  if (start > 0) attempts.push(stdout.slice(start).trim());
  for (const text of attempts) {
    if (!text.startsWith('{')) continue;
    try {
      const value: unknown = JSON.parse(text);
      if (isObject(value)) return value;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** Claude Code `--print --output-format json`: one object, `type: "result"`, with `result`, `usage` and `total_cost_usd`. */
export function parseClaudeJson(stdout: string): ParsedRound {
  const json = jsonObject(stdout);
  if (!json || json.type !== 'result') return { text: stdout, usage: null };
  const lines: string[] = [];
  if (typeof json.result === 'string' && json.result.trim()) lines.push(json.result.trim());
  if (json.is_error === true || (typeof json.subtype === 'string' && json.subtype !== 'success')) {
    lines.push(`(claude: ${typeof json.subtype === 'string' ? json.subtype : 'error'}${json.is_error === true ? ', is_error' : ''})`);
  }
  const usage = isObject(json.usage) ? json.usage : undefined;
  const cost = dollars(json.total_cost_usd);
  if (!usage && cost === null) return { text: lines.join('\n'), usage: null };
  const cacheRead = count(usage?.cache_read_input_tokens);
  return {
    text: lines.join('\n'),
    usage: {
      input_tokens: count(usage?.input_tokens) + count(usage?.cache_creation_input_tokens) + cacheRead,
      output_tokens: count(usage?.output_tokens),
      cache_tokens: cacheRead,
      cost_usd: cost,
    },
  };
}

/**
 * A Codex MCP tool call, as the log shows it: `mcp tinytown.send`, and why
 * it failed when it did (the server's error text, its first line) — an agent
 * acting through MCP tools leaves this as its trace, as a shell command leaves `$ …`.
 */
function mcpCallLine(item: Json): string {
  const name = `mcp ${typeof item.server === 'string' ? `${item.server}.` : ''}${String(item.tool)}`;
  if (item.status !== 'failed' && !isObject(item.error)) return name;
  const content = isObject(item.result) && Array.isArray(item.result.content) ? item.result.content : [];
  const text = isObject(item.error) && typeof item.error.message === 'string'
    ? item.error.message
    : content.map((part: unknown) => (isObject(part) && typeof part.text === 'string' ? part.text : '')).join(' ');
  return `${name} (failed: ${text.trim().split('\n')[0]!.slice(0, 200) || 'no message'})`;
}

/** One line of Codex `exec --json`: the text it adds to the log, and the usage of a completed turn. */
export function parseCodexEvent(line: string): { text?: string; usage?: RoundUsage } {
  const trimmed = line.trim();
  if (!trimmed) return {};
  let event: unknown;
  try {
    event = JSON.parse(trimmed);
  } catch {
    return { text: line };
  }
  if (!isObject(event) || typeof event.type !== 'string') return { text: line };
  switch (event.type) {
    case 'turn.completed': {
      const usage = isObject(event.usage) ? event.usage : {};
      return { usage: { input_tokens: count(usage.input_tokens), output_tokens: count(usage.output_tokens), cache_tokens: count(usage.cached_input_tokens), cost_usd: null } };
    }
    case 'turn.failed':
    case 'error': {
      const message = isObject(event.error) ? event.error.message : event.message;
      return { text: `(codex ${event.type}: ${typeof message === 'string' ? message : 'no message'})` };
    }
    case 'item.completed': {
      const item = isObject(event.item) ? event.item : {};
      if (item.type === 'agent_message' && typeof item.text === 'string') return { text: item.text };
      if (item.type === 'command_execution' && typeof item.command === 'string') {
        const exit = typeof item.exit_code === 'number' ? ` (exit ${item.exit_code})` : '';
        return { text: `$ ${item.command}${exit}` };
      }
      if (item.type === 'mcp_tool_call' && typeof item.tool === 'string') return { text: mcpCallLine(item) };
      if (item.type === 'error' && typeof item.message === 'string') return { text: `(codex error: ${item.message})` };
      return {};
    }
    default:
      return {};
  }
}

/** Adds two rounds' usage; a cost is known once either side knows one. */
export function addRoundUsage(a: RoundUsage | null, b: RoundUsage | null): RoundUsage | null {
  if (!a || !b) return a ?? b;
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    cache_tokens: a.cache_tokens + b.cache_tokens,
    cost_usd: a.cost_usd === null && b.cost_usd === null ? null : roundCost((a.cost_usd ?? 0) + (b.cost_usd ?? 0)),
  };
}

/** Codex `exec --json`: JSONL events; the usage of every `turn.completed`, summed. */
export function parseCodexJsonl(stdout: string): ParsedRound {
  const text: string[] = [];
  let usage: RoundUsage | null = null;
  for (const line of stdout.split('\n')) {
    const event = parseCodexEvent(line);
    if (event.text !== undefined) text.push(event.text);
    if (event.usage) usage = addRoundUsage(usage, event.usage);
  }
  return { text: text.join('\n'), usage };
}

/** Gemini CLI `--output-format json`: one object with `response`, `stats.models.<model>.tokens` and maybe `error`. */
export function parseGeminiJson(stdout: string): ParsedRound {
  const json = jsonObject(stdout);
  if (!json || !('response' in json || 'stats' in json || 'error' in json)) return { text: stdout, usage: null };
  const lines: string[] = [];
  if (typeof json.response === 'string' && json.response.trim()) lines.push(json.response.trim());
  if (isObject(json.error)) lines.push(`(gemini error: ${typeof json.error.message === 'string' ? json.error.message : 'no message'})`);
  const models = isObject(json.stats) && isObject(json.stats.models) ? Object.values(json.stats.models) : [];
  let usage: RoundUsage | null = null;
  for (const model of models) {
    if (!isObject(model) || !isObject(model.tokens)) continue;
    const tokens = model.tokens;
    usage = addRoundUsage(usage, {
      input_tokens: count(tokens.prompt),
      output_tokens: count(tokens.candidates) + count(tokens.thoughts),
      cache_tokens: count(tokens.cached),
      cost_usd: null,
    });
  }
  return { text: lines.join('\n'), usage };
}

export function parseCliOutput(format: CliOutputFormat, stdout: string): ParsedRound {
  switch (format) {
    case 'claude-json': return parseClaudeJson(stdout);
    case 'codex-jsonl': return parseCodexJsonl(stdout);
    case 'gemini-json': return parseGeminiJson(stdout);
  }
}

/** Micro-dollars: sums of binary fractions stay readable, and the file never holds an exponent. */
export function roundCost(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}
