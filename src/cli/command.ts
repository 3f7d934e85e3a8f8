/**
 * What a command is — typed data (arguments, options, handler), registered in
 * one place — and what it hands back: data, rendered once by main.
 * Because the arguments are data, the same definition drives both the
 * zero-cost fast parser and yargs (help, suggestions, usage errors), and the
 * handler's argument types are inferred from it (defineCommand), as wrangler
 * does: a handler sees each declared name once, camelCased, with the type its
 * spec gives.
 */
import { Session } from '../app/session.js';
import type { Answer } from '../app/answer.js';
import type { OpContext } from '../app/context.js';
import type { Town } from '../store/town.js';
import type { Style } from './style.js';

export interface PositionalSpec {
  name: string;
  describe: string;
  required?: boolean;
  /** The last positional only: every remaining word, as a list (`tt reserve a b c`). */
  variadic?: boolean;
}

export interface OptionSpec {
  type: 'string' | 'boolean' | 'number';
  describe: string;
  alias?: string;
  choices?: readonly string[];
  required?: boolean;
  /** Repeatable: `--cc a --cc b`, one value per flag. */
  array?: boolean;
  default?: string | number | boolean;
  conflicts?: readonly string[];
}

/** Args as the parsers produce them: every declared name, kebab and camelCase, plus `_` (the command words). */
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

/**
 * The other faces, as far as the CLI needs them: `tt mcp` and `tt ui` start
 * them. The CLI does not import them (the faces are peers, each over the
 * application layer); the process entry (src/bin.ts, src/index.ts) hands
 * them in, loaded on first use.
 */
export interface Faces {
  /** The MCP server on stdio until the client closes it. */
  serveMcp(options: FaceOptions): Promise<void>;
  /** The board until SIGINT/SIGTERM; onReady is told its URL. */
  serveUi(options: FaceOptions & { port: number; open: boolean; onReady: (ui: ReadyBoard, openProblem: string | undefined) => void }): Promise<NodeJS.Signals>;
}

export interface FaceOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  town?: string | undefined;
  as?: string | undefined;
  now?: () => Date;
  log?: (text: string) => void;
}

export interface ReadyBoard {
  url: string;
  port: number;
  token: string;
  town: { root: string };
}

export interface CliRuntime {
  /** Every command, as main parses them (what `tt completion` completes). */
  registry?: ReadonlyArray<CommandDefinition | CommandGroup>;
  /** Colour or not (src/cli/style.ts): main decides from the terminal and NO_COLOR. */
  style?: Style;
  /** Given by the process entry; absent in a bare main(), where `tt mcp` and `tt ui` say so. */
  faces?: Faces | undefined;
  cwd: string;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  /** Where a streaming command writes as it goes: main's stdout and stderr. */
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

/** Per-invocation helpers: the application session (town opened once, lazily; the actor resolved against it) and the output sinks. */
export class CliContext {
  readonly session: Session;
  constructor(readonly runtime: CliRuntime, readonly args: GlobalArgs) {
    this.session = new Session({ cwd: runtime.cwd, env: runtime.env, town: args.town, as: args.as, now: runtime.now });
  }

  town(): Town {
    return this.session.town();
  }

  /** The acting agent: `--as`/`--from`, else TINYTOWN_AGENT, else the conductor. */
  op(explicitActor?: string): OpContext {
    return this.session.op(explicitActor);
  }
}

export { commitNotes, problemNotes } from '../app/answer.js';

/** Repeatable options arrive as a list or a single value; normalise to a list. */
export function stringList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

// ---- Typed definitions: a handler's args inferred from its positionals and options.

type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

type PositionalValue<P extends PositionalSpec> = P extends { variadic: true } ? string[] : P extends { required: false } ? string | undefined : string;

type OptionBase<O extends OptionSpec> =
  O extends { array: true } ? string[]
    : O extends { type: 'boolean' } ? boolean
      : O extends { type: 'number' } ? number
        : O extends { choices: readonly (infer C)[] } ? C
          : string;

type OptionValue<O extends OptionSpec> = O extends { required: true } | { default: string | number | boolean } ? OptionBase<O> : OptionBase<O> | undefined;

export type ArgsOf<P extends readonly PositionalSpec[], O extends Readonly<Record<string, OptionSpec>>> =
  { readonly [K in P[number] as K['name']]: PositionalValue<K> }
  & { readonly [K in keyof O & string as CamelCase<K>]: OptionValue<O[K]> }
  & { readonly json: boolean };

export interface TypedCommand<P extends readonly PositionalSpec[], O extends Readonly<Record<string, OptionSpec>>> {
  path: readonly string[];
  describe: string;
  positionals?: P;
  options?: O;
  examples?: ReadonlyArray<readonly [command: string, description: string]>;
  run(args: ArgsOf<P, O>, cli: CliContext): Promise<CommandOutput>;
}

function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * A command whose handler gets typed args: each declared positional and
 * option once, under its camelCase name, as the parser produced it (the
 * parsers check types, choices and requiredness before run is called).
 */
export function defineCommand<const P extends readonly PositionalSpec[] = [], const O extends Readonly<Record<string, OptionSpec>> = {}>(
  command: TypedCommand<P, O>,
): CommandDefinition {
  const { run, ...definition } = command;
  return {
    ...definition,
    run(raw, cli) {
      const args: Record<string, unknown> = { json: Boolean(raw.json) };
      for (const positional of command.positionals ?? []) {
        const value = raw[positional.name];
        if (positional.variadic) args[positional.name] = stringList(value);
        else if (value !== undefined && value !== null) args[positional.name] = String(value);
      }
      for (const [name, spec] of Object.entries(command.options ?? {})) {
        const value = raw[name] ?? raw[camelCase(name)];
        if (value === undefined || value === null) continue;
        args[camelCase(name)] = spec.array ? stringList(value) : value;
      }
      return run(args as ArgsOf<P, O>, cli);
    },
  };
}

/** A command's output from an operation's answer: its document and notes, with the text for people. */
export function fromAnswer(answer: Answer, text: string): CommandOutput {
  return { kind: answer.kind, payload: answer.payload, notes: answer.notes, text };
}
