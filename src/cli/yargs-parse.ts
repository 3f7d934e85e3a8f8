/**
 * The full parser, loaded only when the fast path declines: help, --version,
 * unknown commands (with "did you mean"), and usage errors with yargs' messages.
 */
import yargs, { type Argv, type Options } from 'yargs';
import { UsageError } from '../errors.js';
import { GLOBAL_OPTIONS, type Args, type CommandDefinition, type CommandGroup, type OptionSpec } from './command.js';

export type YargsOutcome =
  | { kind: 'run'; definition: CommandDefinition; args: Args }
  | { kind: 'text'; text: string };

function toYargsOption(spec: OptionSpec): Options {
  return {
    type: spec.type, describe: spec.describe,
    ...(spec.alias ? { alias: spec.alias } : {}),
    ...(spec.choices ? { choices: [...spec.choices] } : {}),
    ...(spec.required ? { demandOption: true } : {}),
    ...(spec.array ? { array: true } : {}),
    ...(spec.default !== undefined ? { default: spec.default } : {}),
    ...(spec.conflicts ? { conflicts: [...spec.conflicts] } : {}),
  };
}

function commandString(definition: CommandDefinition): string {
  const word = definition.path[definition.path.length - 1]!;
  const positionals = (definition.positionals ?? []).map((p) => (p.required === false ? `[${p.name}]` : `<${p.name}>`));
  return [word, ...positionals].join(' ');
}

function register(parser: Argv, definition: CommandDefinition, chosen: (definition: CommandDefinition, args: Args) => void): Argv {
  return parser.command(
    commandString(definition),
    definition.describe,
    (y) => {
      let built = y;
      for (const positional of definition.positionals ?? []) built = built.positional(positional.name, { type: 'string', describe: positional.describe });
      for (const [name, spec] of Object.entries(definition.options ?? {})) built = built.option(name, toYargsOption(spec));
      for (const [command, description] of definition.examples ?? []) built = built.example(command, description);
      return built;
    },
    (args) => chosen(definition, args as Args),
  );
}

export async function parseWithYargs(argv: readonly string[], registry: ReadonlyArray<CommandDefinition | CommandGroup>, version: string): Promise<YargsOutcome> {
  let chosen: { definition: CommandDefinition; args: Args } | undefined;
  const choose = (definition: CommandDefinition, args: Args) => {
    chosen = { definition, args };
  };
  let parser: Argv = yargs([...argv])
    .scriptName('tt')
    .usage('tt — git-native coordination for teams of coding agents\n\nUsage: tt <command> [options]')
    .strict()
    .demandCommand(1, 'Name a command (tt --help lists them)')
    .recommendCommands()
    .version(version)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new UsageError(`${message} (tt --help shows the usage)`);
    });
  for (const [name, spec] of Object.entries(GLOBAL_OPTIONS)) parser = parser.option(name, { ...toYargsOption(spec), global: true });
  for (const entry of registry) {
    if (!('subcommands' in entry)) {
      parser = register(parser, entry, choose);
      continue;
    }
    parser = parser.command(entry.name, entry.describe, (y) => {
      let group = y;
      for (const sub of entry.subcommands) group = register(group, sub, choose);
      return group.demandCommand(1, `Name a ${entry.name} command (tt ${entry.name} --help lists them)`);
    });
  }
  let text = '';
  await parser.parseAsync([...argv], {}, (_error: unknown, _args: unknown, output: string) => {
    text = output;
  });
  return chosen ? { kind: 'run', ...chosen } : { kind: 'text', text };
}
