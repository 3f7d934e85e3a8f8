/**
 * The full parser, loaded only when the fast path declines: help, --version,
 * unknown commands (with "did you mean"), and usage errors with yargs' messages.
 * It follows the command-line rules written down in fast-parse.ts, and where
 * yargs' own behaviour differs it is bent here, around yargs rather than
 * inside it: `--` and values yargs would misread are hidden from it
 * (hideValues), and the values it returns go through the same settleArgs as
 * the fast path's.
 */
import yargs, { type Argv, type Options } from 'yargs';
import { UsageError } from '../errors.js';
import { GLOBAL_OPTIONS, type Args, type CommandDefinition, type CommandGroup, type OptionSpec } from './command.js';
import { findDefinition, isOptionWord, optionTable, settleArgs } from './fast-parse.js';

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
    // `--from` with no value is refused, not read as ''
    ...(spec.type !== 'boolean' && !spec.array ? { requiresArg: true } : {}),
    // Shown in help only: settleArgs applies defaults, so a default never counts as given (conflicts).
    ...(spec.default !== undefined ? { defaultDescription: JSON.stringify(spec.default) } : {}),
    // Conflicts are settleArgs' too: yargs counts `--no-info` as conflicting with `--query`.
  };
}

/**
 * A word yargs would misread, swapped for a stand-in it takes as an ordinary
 * value: NUL cannot occur in a real argument, so no user word collides.
 */
interface HiddenValues {
  argv: string[];
  hidden: Map<string, string>;
}

function usage(message: string, definition?: CommandDefinition): UsageError {
  return new UsageError(`${message} (tt ${definition ? `${definition.path.join(' ')} ` : ''}--help shows the usage)`);
}

/**
 * yargs' "Not enough non-option arguments: got 1, need at least 2" names no
 * argument: say which are missing, with what each is for.
 */
function namedMessage(message: string, definition: CommandDefinition | undefined): string {
  const counts = /^Not enough non-option arguments: got (\d+), need at least \d+/.exec(message);
  if (!counts || !definition) return message;
  const missing = (definition.positionals ?? []).slice(Number(counts[1])).filter((positional) => positional.required !== false);
  if (missing.length === 0) return message;
  const named = missing.map((positional) => `<${positional.name}>, ${positional.describe.charAt(0).toLowerCase()}${positional.describe.slice(1)}`).join('; and ');
  return `tt ${definition.path.join(' ')} needs ${named}`;
}

/**
 * yargs keeps the words after `--` out of the positionals, reads a blank value
 * as the number 0, `-` as '', strips quotes from some values and reads
 * `--urgent=yes` as false. So: the words after `--` become stand-ins in its
 * place (yargs then fills positionals with them), values it misreads become
 * stand-ins (Number() of one is NaN: a blank number is refused), and a boolean
 * given a value other than true or false is refused here.
 */
/** Blank (a number 0), `-` (read as ''), or in quotes (`--cc="a"` loses them). */
function misread(value: string): boolean {
  return value.trim() === '' || value === '-' || /^(["'])[\s\S]*\1$/.test(value) || value === '"' || value === "'";
}

function hideValues(argv: readonly string[], registry: ReadonlyArray<CommandDefinition | CommandGroup>): HiddenValues {
  const table = optionTable(findDefinition(argv, registry)?.definition);
  const hidden = new Map<string, string>();
  const hide = (word: string) => {
    const standIn = `\u0000${hidden.size}\u0000`;
    hidden.set(standIn, word);
    return standIn;
  };
  const out: string[] = [];
  for (const [index, word] of argv.entries()) {
    if (word === '--') {
      const previous = out[out.length - 1];
      const name = previous !== undefined && isOptionWord(previous) ? table.lookup(previous) : undefined;
      if (name !== undefined && table.options[name]!.type !== 'boolean') throw usage(`Not enough arguments following: ${name}`);
      out.push(...argv.slice(index + 1).map(hide));
      break;
    }
    const negated = /^--no-(.+)$/.exec(word);
    const negatedName = negated && !table.lookup(word) ? table.lookup(`--${negated[1]}`) : undefined;
    // yargs would read `--no-timeout` as timeout 0
    if (negatedName !== undefined && table.options[negatedName]!.type !== 'boolean') throw usage(`Unknown argument: ${word.slice(2)}`);
    const inline = /^(--[^=]+)=([\s\S]*)$/.exec(word);
    if (inline && isOptionWord(word)) {
      const [, key, value] = inline as unknown as [string, string, string];
      const name = table.lookup(key);
      if (name !== undefined && table.options[name]!.type === 'boolean' && value !== 'true' && value !== 'false') {
        throw usage(`Invalid value for ${key}: ${JSON.stringify(value)} is not true or false`);
      }
      out.push(misread(value) ? `${key}=${hide(value)}` : word);
    } else {
      out.push(!isOptionWord(word) && misread(word) ? hide(word) : word);
    }
  }
  return { argv: out, hidden };
}

function revealValues(value: unknown, hidden: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return hidden.get(value) ?? value;
  return Array.isArray(value) ? value.map((item) => revealValues(item, hidden)) : value;
}

function revealMessage(message: string, hidden: ReadonlyMap<string, string>): string {
  let text = message;
  for (const [standIn, word] of hidden) text = text.split(standIn).join(word);
  return text;
}

function commandString(definition: CommandDefinition): string {
  const word = definition.path[definition.path.length - 1]!;
  const positionals = (definition.positionals ?? []).map((p) => { const name = p.variadic ? `${p.name}..` : p.name; return p.required === false ? `[${name}]` : `<${name}>`; });
  return [word, ...positionals].join(' ');
}

function register(parser: Argv, definition: CommandDefinition, chosen: (definition: CommandDefinition, args: Args) => void): Argv {
  return parser.command(
    commandString(definition),
    definition.describe,
    (y) => {
      let built = y;
      for (const positional of definition.positionals ?? []) built = built.positional(positional.name, { type: 'string', describe: positional.describe, ...(positional.variadic ? { array: true } : {}) });
      for (const [name, spec] of Object.entries(definition.options ?? {})) built = built.option(name, toYargsOption(spec));
      for (const [command, description] of definition.examples ?? []) built = built.example(command, description);
      return built;
    },
    (args) => chosen(definition, args as Args),
  );
}

/**
 * After running a command's handler yargs renders that command's help and
 * keeps it, to show should the handler fail later. Here the handler only
 * records the choice and failures never show help, so the rendering (two
 * thirds of a parse: string widths for every line) is skipped. yargs has no
 * option for it: this reaches its internal methods, and if they change the
 * parse is only slower.
 */
function skipHelpCache(parser: Argv): void {
  type Internals = { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } };
  const usageInstance = (parser as unknown as Internals).getInternalMethods?.().getUsageInstance?.();
  if (usageInstance && typeof usageInstance.cacheHelpMessage === 'function') usageInstance.cacheHelpMessage = () => {};
}

/**
 * Parses with yargs, printing nothing and exiting never: the command and its
 * args, or the text to print (help, version); a usage error is thrown as a
 * UsageError with yargs' message.
 */
export async function parseWithYargs(argv: readonly string[], registry: ReadonlyArray<CommandDefinition | CommandGroup>, version: string): Promise<YargsOutcome> {
  const { argv: words, hidden } = hideValues(argv, registry);
  // The command the words name, so a usage error points at its own help.
  const command = findDefinition(argv, registry)?.definition;
  let chosen: { definition: CommandDefinition; args: Args } | undefined;
  const choose = (definition: CommandDefinition, args: Args) => {
    chosen = { definition, args };
  };
  let parser: Argv = yargs(words)
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
    // One value per flag (`--cc a b`: b is a positional); no `--a.b` objects; positionals stay text.
    .parserConfiguration({ 'greedy-arrays': false, 'dot-notation': false, 'parse-positional-numbers': false })
    // A parser error (yargs-parser's "Not enough arguments following") is a usage error like the rest.
    .fail((message: string | null, error: Error | null) => {
      if (error instanceof UsageError) throw error;
      throw usage(namedMessage(revealMessage(message ?? error?.message ?? 'cannot parse the command line', hidden), command), command);
    });
  skipHelpCache(parser);
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
  await parser.parseAsync(words, {}, (_error: unknown, _args: unknown, output: string) => {
    text = output;
  });
  if (!chosen) return { kind: 'text', text };
  const { definition, args } = chosen as { definition: CommandDefinition; args: Args };
  const revealed = Object.fromEntries(Object.entries(args).map(([key, value]) => [key, revealValues(value, hidden)]));
  const settled = settleArgs(definition, revealed);
  if (!settled.ok) throw usage(settled.refusal, definition);
  return { kind: 'run', definition, args: settled.args };
}
