/**
 * What a command is — typed data (arguments, options, handler), registered in
 * one place — and what it hands back: data, rendered once by main.
 * Because the arguments are data, the same definition drives both the
 * zero-cost fast parser and yargs (help, suggestions, usage errors).
 */
import { CONDUCTOR } from '../core/types.js';
import type { OpContext } from '../app/context.js';
import { resolveAgent } from '../app/agents.js';
import type { Problem } from '../store/reader.js';
import type { CommitOutcome } from '../app/transaction.js';
import { openTown, type Town } from '../store/town.js';

export interface PositionalSpec {
  name: string;
  describe: string;
  required?: boolean;
}

export interface OptionSpec {
  type: 'string' | 'boolean' | 'number';
  describe: string;
  alias?: string;
  choices?: readonly string[];
  required?: boolean;
  /** Repeatable: `--cc a --cc b` (yargs also takes `--cc a b`). */
  array?: boolean;
  default?: string | number | boolean;
  conflicts?: readonly string[];
}

export type Args = Record<string, unknown>;

export interface CommandDefinition {
  /** The words that select it: ['send'] or ['task', 'start']. */
  path: readonly string[];
  describe: string;
  positionals?: readonly PositionalSpec[];
  options?: Readonly<Record<string, OptionSpec>>;
  examples?: ReadonlyArray<readonly [command: string, description: string]>;
  run(args: Args, cli: CliContext): Promise<CommandOutput>;
}

export interface CommandGroup {
  name: string;
  describe: string;
  subcommands: readonly CommandDefinition[];
}

export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  town: { type: 'string', describe: 'The folder holding .tinytown/ (default: found upwards from here; env TINYTOWN_DIR)' },
  json: { type: 'boolean', describe: 'Print exactly one JSON document' },
  as: { type: 'string', describe: 'Act as this agent (default: TINYTOWN_AGENT, else conductor)' },
};

export interface GlobalArgs {
  town?: string;
  json?: boolean;
  as?: string;
}

export interface CommandOutput {
  kind: string;
  payload: Record<string, unknown>;
  /** The --json document, in UTF-8 parts, when the command rendered it already; else main prints envelope(kind, payload). */
  json?: readonly Buffer[];
  /** Human output for stdout. */
  text: string;
  /** Diagnostics for stderr. */
  notes?: string[];
  exitCode?: number;
  /** The command wrote its output as it went (watch, events: lines, NDJSON with --json); print nothing more. */
  streamed?: boolean;
}

export interface CliRuntime {
  cwd: string;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  /** Where a streaming command writes as it goes: main's stdout and stderr. */
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

/** Per-invocation helpers: the town is opened once, lazily, and the actor resolved against it. */
export class CliContext {
  private openedTown: Town | undefined;
  constructor(readonly runtime: CliRuntime, readonly args: GlobalArgs) {}

  town(): Town {
    this.openedTown ??= openTown({ cwd: this.runtime.cwd, town: this.args.town, env: this.runtime.env });
    return this.openedTown;
  }

  /** The acting agent: `--as`/`--from`, else TINYTOWN_AGENT, else the conductor. */
  op(explicitActor?: string): OpContext {
    const town = this.town();
    const typed = explicitActor ?? this.args.as ?? this.runtime.env.TINYTOWN_AGENT ?? CONDUCTOR;
    return { town, actor: resolveAgent(town, typed, 'acting agent'), now: this.runtime.now };
  }
}

export function commitNotes(commit: CommitOutcome): string[] {
  if (commit.status === 'deferred') return [`note: ${commit.reason}`];
  if (commit.status === 'disabled') return ['note: git.auto_commit is false: files written, nothing committed'];
  return [];
}

export function problemNotes(problems: readonly Problem[]): string[] {
  return problems.map((p) => `warning: skipped ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message} (tt doctor)`);
}

/** Repeatable options arrive as a list or a single value; normalise to a list. */
export function stringList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

export function optionalString(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}

export function requiredString(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}
