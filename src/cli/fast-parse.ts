/**
 * The everyday path: parse a well-formed command line from the same
 * definitions yargs uses. Loading yargs costs more than the rest of a
 * `tt send` put together, so it is loaded only for what it is best at — help,
 * suggestions and usage errors. Anything this parser is not sure about
 * returns undefined and goes to yargs, and yargs-parse.ts bends yargs to the
 * same rules, so the two agree on every command line
 * (test/unit/argv-agreement.test.ts feeds both the same corpus):
 *
 * - The first words name the command; global options may come before them.
 * - `--` ends the options: every word after it is a positional, dashes and all.
 * - A word that looks like a negative number (`-5`, `-0.5`, `-.5`) is a value,
 *   never an option; any other word starting with `-` is an option, and an
 *   unknown one is refused (`tt send a -- "-x y"` sends "-x y").
 * - `--name value` and `--name=value`; the camelCase spelling and the short
 *   alias name the same option; the parsed args carry both spellings.
 * - A string or number option needs a value: `--from` alone, or followed by
 *   another option, is refused; `--from=` is an explicit empty value.
 * - Numbers are what Number() reads, finite and not blank: `-n abc`, `-n ''`
 *   are refused.
 * - Booleans: `--x`, `--no-x`, `--x=true|false` and `--x true|false`; any other
 *   `--x=value` is refused. `--no-x` on an option that is not boolean is refused.
 * - Repeating a single-value option: the last one wins (as in most CLIs). A
 *   repeatable option collects one value per flag: `--cc a b` is cc [a] and a
 *   positional b (no greedy arrays: they swallow the message).
 * - Conflicting options are refused only when both are set to something:
 *   `--query --no-info` is a query that is not info, not a conflict.
 * - Choices, required options and positionals, too many positionals and
 *   unknown options are refused.
 * - `--help`, `-h` and `--version` before `--` go to yargs.
 * This parser declines (and yargs decides) where it would need yargs' rarer
 * syntax: short-option groups (`-fn`), `-n5`, `-f=x`; and for every refusal,
 * so the error message is yargs'.
 */
import { GLOBAL_OPTIONS, type Args, type CommandDefinition, type CommandGroup, type OptionSpec } from './command.js';

type Registry = ReadonlyArray<CommandDefinition | CommandGroup>;

export interface FastParse {
  definition: CommandDefinition;
  args: Args;
}

/** yargs-parser's test for a value that only looks like a short option. */
export const NEGATIVE_NUMBER = /^-([0-9]+(\.[0-9]+)?|\.[0-9]+)$/;

function flag(name: string): string {
  return name.length === 1 ? `-${name}` : `--${name}`;
}

export function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** Is this word an option (as opposed to a value or positional)? */
export function isOptionWord(word: string): boolean {
  return word.startsWith('-') && word !== '-' && !NEGATIVE_NUMBER.test(word);
}

export interface OptionTable {
  options: Readonly<Record<string, OptionSpec>>;
  /** The option a word names: `--mark-read`, `--markRead`, `-f`, `--f`. */
  lookup(word: string): string | undefined;
}

export function optionTable(definition: CommandDefinition | undefined): OptionTable {
  const options = { ...GLOBAL_OPTIONS, ...definition?.options };
  const names = new Map<string, string>();
  for (const [name, spec] of Object.entries(options)) {
    names.set(name, name);
    names.set(camelCase(name), name);
    if (spec.alias) names.set(spec.alias, name);
  }
  return {
    options,
    lookup(word) {
      // `-x` is a one-letter name or alias, so it finds no other entry; yargs also takes `--x` for it
      const named = /^--(.+)$/.exec(word) ?? /^-([^-])$/.exec(word);
      return named ? names.get(named[1]!) : undefined;
    },
  };
}

export interface FoundCommand {
  definition: CommandDefinition;
  /** Everything but the command words: the leading global options, then the words after the command. */
  rest: string[];
}

/** The command an argv names, past any global options before it (`tt --json inbox`). */
export function findDefinition(argv: readonly string[], registry: Registry): FoundCommand | undefined {
  const globals = optionTable(undefined);
  let start = 0;
  while (start < argv.length && isOptionWord(argv[start]!) && argv[start] !== '--') {
    const word = argv[start]!;
    const negated = /^--no-(.+)$/.exec(word);
    const name = globals.lookup(negated ? `--${negated[1]}` : word.split('=')[0]!);
    if (name === undefined) return undefined;
    const boolean = GLOBAL_OPTIONS[name]!.type === 'boolean';
    const takesNext = !negated && !word.includes('=') && (!boolean || /^(true|false)$/.test(argv[start + 1] ?? ''));
    start += takesNext ? 2 : 1;
  }
  const [first, second] = argv.slice(start);
  for (const entry of registry) {
    if ('subcommands' in entry) {
      if (entry.name !== first) continue;
      const definition = entry.subcommands.find((sub) => sub.path[1] === second);
      return definition ? { definition, rest: [...argv.slice(0, start), ...argv.slice(start + 2)] } : undefined;
    }
    if (entry.path[0] === first) return { definition: entry, rest: [...argv.slice(0, start), ...argv.slice(start + 1)] };
  }
  return undefined;
}

export type Settled = { ok: true; args: Args } | { ok: false; refusal: string };

/** A number option's value: what Number() reads, finite, not blank. */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'string' && value.trim() === '') return undefined;
  const number = typeof value === 'number' || typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(number) ? number : undefined;
}

function typed(spec: OptionSpec, value: unknown): unknown {
  if (spec.type === 'number') return toNumber(value);
  return typeof value === spec.type ? value : undefined;
}

/**
 * The rules both parsers share once words have become values: types,
 * last-one-wins, choices, required options, defaults and conflicts.
 * `raw` holds each option under its own name (or its camelCase spelling);
 * the result carries both spellings. Messages read like yargs' own.
 */
export function settleArgs(definition: CommandDefinition, raw: Args): Settled {
  const { options } = optionTable(definition);
  const args: Args = { ...raw };
  const given = new Set<string>();
  for (const [name, spec] of Object.entries(options)) {
    let value = raw[name] ?? raw[camelCase(name)];
    if (value === undefined) {
      if (spec.required) return { ok: false, refusal: `Missing required argument: ${name}` };
      value = spec.default;
    } else {
      given.add(name);
      // Every value given is checked; of a single-value option the last one wins.
      const all: unknown[] = Array.isArray(value) ? value : [value];
      if (all.length === 0) return { ok: false, refusal: `Not enough arguments following: ${name}` };
      const list = all.map((item) => typed(spec, item));
      const bad = list.findIndex((item) => item === undefined);
      if (bad !== -1) return { ok: false, refusal: `Invalid value for ${flag(name)}: expected a ${spec.type}` };
      if (spec.choices && list.some((item) => !spec.choices!.includes(String(item)))) {
        return { ok: false, refusal: `Invalid values:\n  Argument: ${name}, Given: ${list.map((v) => JSON.stringify(v)).join(', ')}, Choices: ${spec.choices.map((c) => JSON.stringify(c)).join(', ')}` };
      }
      value = spec.array ? list : list[list.length - 1];
    }
    if (value === undefined) {
      delete args[name];
      delete args[camelCase(name)];
    } else {
      args[name] = value;
      args[camelCase(name)] = value;
    }
  }
  const isSet = (name: string) => given.has(name) && args[name] !== false;
  for (const [name, spec] of Object.entries(options)) {
    const other = isSet(name) ? spec.conflicts?.find(isSet) : undefined;
    if (other) return { ok: false, refusal: `Arguments ${name} and ${other} are mutually exclusive` };
  }
  return { ok: true, args };
}

export function fastParse(argv: readonly string[], registry: Registry): FastParse | undefined {
  const end = argv.indexOf('--');
  const beforeEnd = end === -1 ? argv : argv.slice(0, end);
  if (beforeEnd.some((arg) => arg === '--help' || arg === '-h' || arg === '--version')) return undefined;
  const found = findDefinition(argv, registry);
  if (!found) return undefined;
  const { definition, rest } = found;
  const table = optionTable(definition);
  const raw: Args = {};
  const words: string[] = [];
  // Every value given, in order: settleArgs checks them all and keeps the last of a single-value option.
  const set = (name: string, value: unknown) => {
    raw[name] = [...((raw[name] as unknown[] | undefined) ?? []), value];
  };
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (word === '--') {
      words.push(...rest.slice(i + 1));
      break;
    }
    if (!isOptionWord(word)) {
      words.push(word);
      continue;
    }
    const equals = word.startsWith('--') ? word.indexOf('=') : -1;
    const key = equals === -1 ? word : word.slice(0, equals);
    const inline = equals === -1 ? undefined : word.slice(equals + 1);
    let name = table.lookup(key);
    if (name === undefined && inline === undefined && key.startsWith('--no-')) {
      name = table.lookup(`--${key.slice(5)}`);
      if (name === undefined || table.options[name]!.type !== 'boolean') return undefined;
      set(name, false);
      continue;
    }
    if (name === undefined) return undefined;
    const spec = table.options[name]!;
    const next = rest[i + 1];
    if (spec.type === 'boolean') {
      if (inline !== undefined && inline !== 'true' && inline !== 'false') return undefined;
      const text = inline ?? (next === 'true' || next === 'false' ? rest[++i] : 'true');
      set(name, text === 'true');
    } else if (inline !== undefined) {
      set(name, inline);
    } else {
      if (next === undefined || isOptionWord(next)) return undefined;
      set(name, next);
      i++;
    }
  }
  const positionals = definition.positionals ?? [];
  if (words.length > positionals.length && !positionals[positionals.length - 1]?.variadic) return undefined;
  for (const [index, spec] of positionals.entries()) {
    if (spec.variadic) {
      const rest = words.slice(index);
      if (rest.length === 0 && spec.required !== false) return undefined;
      raw[spec.name] = rest; // yargs gives an optional one [] when no word is left
      break;
    }
    const value = words[index];
    if (value === undefined && spec.required !== false) return undefined;
    if (value !== undefined) raw[spec.name] = value;
  }
  const settled = settleArgs(definition, raw);
  return settled.ok ? { definition, args: { _: [...definition.path], ...settled.args } } : undefined;
}
