/**
 * Agent CLIs: a command line from town.yml or a built-in preset, split into
 * an argv without any shell (message text never reaches one), with the prompt
 * on stdin — or in a file where the command names {prompt_file}.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { TownConfig } from '../core/types.js';
import { resolveCliCommand } from '../store/config.js';
import { packageRoot } from '../package-root.js';

export const PROMPT_FILE_PLACEHOLDER = '{prompt_file}';

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

export interface AgentCommand {
  argv: string[];
  /** True when the prompt goes into a file named in the argv rather than on stdin. */
  promptInFile: boolean;
}

/** The scripted agent is this package's own code, run with this node. */
function scriptedArgv(): string[] {
  return [process.execPath, path.join(packageRoot(), 'bin', 'tt.js'), 'scripted-agent'];
}

export function agentCommand(config: TownConfig, cli: string): AgentCommand {
  const line = resolveCliCommand(config, cli);
  if (!line) {
    throw new UsageError(`unknown agent CLI "${cli}": name a preset (claude, codex, codex-mini, aider, gemini, auggie, copilot, cursor, scripted) or add it under clis: in town.yml`);
  }
  const words = splitCommandLine(line);
  if (words.length === 0) throw new UsageError(`the command line for CLI "${cli}" is empty (town.yml clis.${cli})`);
  const argv = words[0] === 'tt-scripted-agent' ? [...scriptedArgv(), ...words.slice(1)] : words;
  return { argv, promptInFile: argv.some((word) => word.includes(PROMPT_FILE_PLACEHOLDER)) };
}

export function withPromptFile(command: AgentCommand, promptFile: string): string[] {
  return command.argv.map((word) => word.replaceAll(PROMPT_FILE_PLACEHOLDER, promptFile));
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

/** Refuses to start an agent whose CLI is not installed: a clear error now, not a crash loop later. */
export function requireInstalled(command: AgentCommand, cli: string, env?: NodeJS.ProcessEnv): void {
  const program = command.argv[0]!;
  if (!findExecutable(program, env)) {
    throw new UsageError(`the ${cli} CLI is not installed: "${program}" is not on PATH. Install it, choose another with --cli, or register with --no-start`);
  }
}
