/**
 * The everyday path: parse a well-formed command line with node's built-in
 * util.parseArgs from the same definitions yargs uses. Loading yargs costs more
 * than the rest of a `tt send` put together, so it is loaded only for what it
 * is best at — help, suggestions and usage errors. Anything this parser is not
 * sure about returns undefined and goes to yargs, so both agree on what is valid.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { GLOBAL_OPTIONS, type Args, type CommandDefinition, type CommandGroup, type OptionSpec } from './command.js';

export interface FastParse {
  definition: CommandDefinition;
  args: Args;
}

function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

export function findDefinition(argv: readonly string[], registry: ReadonlyArray<CommandDefinition | CommandGroup>): { definition: CommandDefinition; rest: string[] } | undefined {
  const [first, second] = argv;
  for (const entry of registry) {
    if ('subcommands' in entry) {
      if (entry.name !== first) continue;
      const definition = entry.subcommands.find((sub) => sub.path[1] === second);
      return definition ? { definition, rest: argv.slice(2) } : undefined;
    }
    if (entry.path[0] === first) return { definition: entry, rest: argv.slice(1) };
  }
  return undefined;
}

function toParseArgsOptions(options: Readonly<Record<string, OptionSpec>>): NonNullable<ParseArgsConfig['options']> {
  const config: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, spec] of Object.entries(options)) {
    config[name] = { type: spec.type === 'boolean' ? 'boolean' : 'string', ...(spec.array ? { multiple: true } : {}), ...(spec.alias ? { short: spec.alias } : name.length === 1 ? { short: name } : {}) };
    if (spec.type === 'boolean') config[`no-${name}`] = { type: 'boolean' };
  }
  return config;
}

function coerce(spec: OptionSpec, value: unknown): unknown {
  if (spec.type !== 'number') return value;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

export function fastParse(argv: readonly string[], registry: ReadonlyArray<CommandDefinition | CommandGroup>): FastParse | undefined {
  if (argv.some((arg) => arg === '--help' || arg === '-h' || arg === '--version')) return undefined;
  const found = findDefinition(argv, registry);
  if (!found) return undefined;
  const { definition, rest } = found;
  const options = { ...GLOBAL_OPTIONS, ...definition.options };
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: toParseArgsOptions(options), allowPositionals: true, strict: true });
  } catch {
    return undefined;
  }
  const positionals = definition.positionals ?? [];
  if (parsed.positionals.length > positionals.length) return undefined;
  const args: Args = { _: [...definition.path] };
  for (const [index, spec] of positionals.entries()) {
    const value = parsed.positionals[index];
    if (value === undefined && spec.required !== false) return undefined;
    if (value !== undefined) args[spec.name] = value;
  }
  for (const [name, spec] of Object.entries(options)) {
    let value: unknown = parsed.values[name];
    if (parsed.values[`no-${name}`]) value = false;
    if (value !== undefined) {
      value = coerce(spec, value);
      if (value === undefined) return undefined;
      if (spec.choices && !spec.choices.includes(String(value))) return undefined;
    } else if (spec.default !== undefined) {
      value = spec.default;
    } else if (spec.required) {
      return undefined;
    }
    if (value === undefined) continue;
    if (spec.conflicts?.some((other) => parsed.values[other] !== undefined) && value !== false) return undefined;
    args[name] = value;
    args[camelCase(name)] = value;
  }
  return { definition, args };
}
