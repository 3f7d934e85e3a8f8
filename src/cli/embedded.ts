/**
 * Running a command definition from inside a long-lived server (`tt mcp`,
 * `tt ui`): each call gets a fresh CliContext for the server's town and the
 * acting agent, so every write is the same commit the CLI makes and every
 * answer is the document `tt --json` prints.
 */
import { CliContext, type Args, type CliRuntime, type CommandDefinition, type CommandOutput } from './command.js';
import { commands } from './commands/index.js';
import { findDefinition } from './fast-parse.js';

export interface EmbeddedCliOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** `--town`: else TINYTOWN_DIR / TINYTOWN_TOWN, else found upwards from cwd. */
  town?: string | undefined;
  /** `--as`: else TINYTOWN_AGENT, else the conductor. */
  as?: string | undefined;
  now?: () => Date;
  /** Where diagnostics go. */
  log?: (text: string) => void;
}

/** The command at these words (`['task', 'start']`); a missing one is a bug in the caller's table. */
export function commandAt(path: readonly string[]): CommandDefinition {
  const found = findDefinition(path, commands);
  if (!found || found.definition.path.join(' ') !== path.join(' ')) throw new Error(`no tt command "${path.join(' ')}"`);
  return found.definition;
}

/** The acting agent as typed (resolved against the town by each command): `--as`, else TINYTOWN_AGENT. */
export function typedActor(options: EmbeddedCliOptions): string | undefined {
  return options.as || options.env.TINYTOWN_AGENT || undefined;
}

/**
 * A CliContext per call: the town is re-read every time (town.yml, agents and
 * tasks change under a long-lived server), exactly as a new `tt` process would.
 */
export function cliContext(options: EmbeddedCliOptions): CliContext {
  const runtime: CliRuntime = {
    cwd: options.cwd,
    env: options.env,
    now: options.now ?? (() => new Date()),
    stdout: () => {},
    stderr: options.log ?? ((text) => void process.stderr.write(text)),
  };
  return new CliContext(runtime, { town: options.town, as: typedActor(options) });
}

/** Runs one command as `tt <path> …args` would, without a process. */
export async function runCommand(options: EmbeddedCliOptions, path: readonly string[], args: Args): Promise<CommandOutput> {
  return commandAt(path).run({ _: [...path], ...args }, cliContext(options));
}
