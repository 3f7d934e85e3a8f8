/**
 * Agent CLIs: a command line from town.yml or a built-in preset
 * (core/presets.ts), split into an argv without any shell (message text never
 * reaches one), with the prompt on stdin — or in a file where the command names
 * {prompt_file}, or as one argument where it names {prompt}.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { TownConfig } from '../core/types.js';
import { PRESET_NAMES, PROMPT_FILE_PLACEHOLDER, PROMPT_PLACEHOLDER, findPreset, presetForProgram, type AgentCliPreset, type CliCheck } from '../core/presets.js';
import { asksForOutput, type CliOutputFormat } from '../core/cli-output.js';
import { resolveCliCommand } from '../store/config.js';
import { packageRoot } from '../package-root.js';
import { MCP_CLIENTS, commandLineMcpArgs } from './mcp-config.js';

export { PROMPT_FILE_PLACEHOLDER, PROMPT_PLACEHOLDER };

/** Splits like a POSIX shell does for words and quotes — and nothing else: no variables, globs or substitutions. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quote) {
      if (char === quote) quote = null;
      else if (char === '\\' && quote === '"' && i + 1 < line.length) current += line[++i];
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (char === '\\' && i + 1 < line.length) {
      current += line[++i];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quote) throw new UsageError(`unterminated ${quote} quote in the command line: ${line}`);
  if (inWord) words.push(current);
  return words;
}

/** How a round's prompt reaches the CLI: on stdin, or through the argv (a file's path, or the text itself). */
export type PromptDelivery = 'stdin' | 'argv';

export interface AgentCommand {
  /** Still holding its {prompt} / {prompt_file} placeholders: roundArgv fills them. */
  argv: string[];
  prompt: PromptDelivery;
  /** True when a word names {prompt_file}: the round writes the prompt to a file first. */
  promptInFile: boolean;
  /** The preset's additions to the CLI's environment (by its program, core/presets.ts). */
  env: Readonly<Record<string, string>>;
  /** How tt spawn checks this CLI (by its program); absent for CLIs tt knows nothing about. */
  check?: CliCheck;
  /** The machine-readable output the command line asks its CLI for (core/cli-output.ts); absent: plain text, logged as it comes. */
  output?: CliOutputFormat;
}

/** The scripted agent is this package's own code, run with this node. */
function scriptedArgv(): string[] {
  return [process.execPath, path.join(packageRoot(), 'bin', 'tt.js'), 'scripted-agent'];
}

/**
 * The words giving a round tinytown's MCP server (tt spawn --mcp), by the
 * CLI's program as presetForProgram finds it; a CLI with no known way to take
 * one on its command line is refused with where its configuration goes instead.
 */
function mcpWords(cli: string, preset: AgentCliPreset | undefined): string[] {
  const client = MCP_CLIENTS.find((name) => preset !== undefined && findPreset(name) === preset);
  const words = client ? commandLineMcpArgs(client) : undefined;
  if (words) return words;
  const fix = client === 'gemini'
    ? 'Gemini CLI reads MCP servers only from its settings.json: put the entry `tt mcp --print-config gemini` prints into .gemini/settings.json (or ~/.gemini/settings.json)'
    : `tt knows no way to give the CLI "${cli}" an MCP server on its command line: configure \`tt mcp\` in its own settings (tt mcp --print-config claude|codex|gemini shows the usual forms)`;
  throw new UsageError(`the agent CLI "${cli}" cannot get tinytown's MCP server with --mcp. ${fix}, and spawn the agent without it (--no-mcp; town.yml agent.mcp sets the default)`);
}

export interface AgentCommandOptions {
  /** Give the CLI tinytown's MCP server on its command line (the agent's `mcp`, tt spawn --mcp). */
  mcp?: boolean | undefined;
}

export function agentCommand(config: TownConfig, cli: string, options: AgentCommandOptions = {}): AgentCommand {
  const line = resolveCliCommand(config, cli);
  if (typeof line !== 'string' || line === '') {
    throw new UsageError(`unknown agent CLI "${cli}": name a preset (${PRESET_NAMES.join(', ')}) or add it under clis: in town.yml`);
  }
  const words = splitCommandLine(line);
  if (words.length === 0) throw new UsageError(`the command line for CLI "${cli}" is empty (town.yml clis.${cli})`);
  const program = words[0] === 'tt-scripted-agent' ? [...scriptedArgv(), ...words.slice(1)] : words;
  const promptInFile = program.some((word) => word.includes(PROMPT_FILE_PLACEHOLDER));
  const promptInArgv = promptInFile || program.some((word) => word.includes(PROMPT_PLACEHOLDER));
  const preset = presetForProgram(program[0]!);
  // Appended last: claude's --mcp-config takes the words after it, and nothing follows it here.
  const argv = options.mcp ? [...program, ...mcpWords(cli, preset)] : program;
  const output = preset?.output !== undefined && asksForOutput(preset.output, argv.slice(1)) ? preset.output : undefined;
  return {
    argv, prompt: promptInArgv ? 'argv' : 'stdin', promptInFile, env: preset?.env ?? {},
    ...(preset?.check ? { check: preset.check } : {}), ...(output ? { output } : {}),
  };
}

const PLACEHOLDERS = /\{prompt(?:_file)?\}/g;

/**
 * Linux refuses one argument longer than this (MAX_ARG_STRLEN, 32 pages, with
 * its terminating NUL): a longer {prompt} fails the round with a clear reason.
 */
export const MAX_PROMPT_ARGUMENT_BYTES = 128 * 1024 - 1;

/**
 * A round's argv: every {prompt_file} replaced by the prompt file's path and
 * every {prompt} by the prompt text, in one pass so that text substituted in
 * is never scanned again (a prompt quoting "{prompt_file}" stays as written).
 * Each word stays one argv element whatever the text holds: no shell, no splitting.
 */
export function roundArgv(command: AgentCommand, values: { prompt: string; promptFile?: string | undefined }): string[] {
  return command.argv.map((word) => word.replace(PLACEHOLDERS, (placeholder) => {
    if (placeholder === PROMPT_PLACEHOLDER) return values.prompt;
    if (values.promptFile === undefined) throw new Error(`${PROMPT_FILE_PLACEHOLDER} needs a prompt file`);
    return values.promptFile;
  }));
}

/** The argv with {prompt_file} filled (and {prompt} too, when the command names it). */
export function withPromptFile(command: AgentCommand, promptFile: string, prompt = ''): string[] {
  return roundArgv(command, { prompt, promptFile });
}

/** Finds an executable the way the OS will: a path as given, else each PATH folder. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const isExecutable = (file: string) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  for (const folder of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(folder, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}
