/**
 * The fast argv parser and yargs must agree on every command line: the same
 * accept/refuse decision and, when accepted, the same values for the command's
 * positionals and options. A decline by the fast path is agreement by
 * construction (main then runs yargs and uses its result), so for a decline
 * this checks that yargs' result is one main can use — a command, text to
 * print or a UsageError, never an unexpected error — and that the fast path
 * declines a command line yargs accepts only for the syntax it leaves to yargs.
 * The rules themselves are in src/cli/fast-parse.ts; the hand-picked cases at
 * the end pin them down.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { GLOBAL_OPTIONS, type CommandDefinition, type OptionSpec } from '../../src/cli/command.js';
import { commands } from '../../src/cli/commands/index.js';
import { camelCase, fastParse } from '../../src/cli/fast-parse.js';
import { parseWithYargs } from '../../src/cli/yargs-parse.js';
import { UsageError } from '../../src/errors.js';

type Values = Record<string, unknown>;
type Outcome =
  | { kind: 'run'; command: string; values: Values }
  | { kind: 'refuse'; message: string }
  | { kind: 'text' }
  | { kind: 'decline' };

const definitions: CommandDefinition[] = commands.flatMap((entry) => ('subcommands' in entry ? [...entry.subcommands] : [entry]));

function optionsOf(definition: CommandDefinition): Array<[string, OptionSpec]> {
  return Object.entries({ ...GLOBAL_OPTIONS, ...definition.options });
}

/** The declared positionals and options, under both spellings; checks the two spellings hold the same value. */
function values(definition: CommandDefinition, args: Record<string, unknown>): Values {
  const out: Values = {};
  for (const { name } of definition.positionals ?? []) if (args[name] !== undefined) out[name] = args[name];
  for (const [name] of optionsOf(definition)) {
    expect(args[camelCase(name)], `${name} and ${camelCase(name)}`).toEqual(args[name]);
    if (args[name] !== undefined) out[name] = args[name];
  }
  return out;
}

function fastOutcome(argv: string[]): Outcome {
  const parsed = fastParse(argv, commands);
  return parsed ? { kind: 'run', command: parsed.definition.path.join(' '), values: values(parsed.definition, parsed.args) } : { kind: 'decline' };
}

async function yargsOutcome(argv: string[]): Promise<Outcome> {
  try {
    const outcome = await parseWithYargs(argv, commands, '0.0.0-test');
    if (outcome.kind === 'text') return { kind: 'text' };
    return { kind: 'run', command: outcome.definition.path.join(' '), values: values(outcome.definition, outcome.args) };
  } catch (error) {
    // Anything else would reach main's "this is a bug in tt" handler.
    if (error instanceof UsageError) return { kind: 'refuse', message: error.message };
    throw error;
  }
}

// ---------------------------------------------------------------- the corpus

const STRING_SAMPLES = ['v', '', ' ', '-5', '-x', 'true', '"q"', '-'];
const NUMBER_SAMPLES = ['5', '-5', '1.5', '1e3', 'abc', '', '0x10', 'Infinity'];

function valueSamples(spec: OptionSpec): string[] {
  if (spec.choices) return [...spec.choices, 'not-a-choice', '', spec.choices[0]!.toUpperCase()];
  return spec.type === 'number' ? NUMBER_SAMPLES : STRING_SAMPLES;
}

/** Every way this corpus spells one option, given or missing a value. */
function optionForms(name: string, spec: OptionSpec): string[][] {
  const long = `--${name}`;
  const spellings = [long, ...(camelCase(name) !== name ? [`--${camelCase(name)}`] : []), ...(spec.alias ? [`-${spec.alias}`, `--${spec.alias}`] : []), ...(name.length === 1 ? [`-${name}`] : [])];
  const forms: string[][] = [[`--no-${name}`], [`--no-${name}`, long], [long, '--json'], [`${long}.x=1`], [`--no-${name}=true`]];
  if (spec.type === 'boolean') {
    for (const spelling of spellings) forms.push([spelling], [spelling, 'true'], [spelling, 'false'], [spelling, spelling]);
    forms.push([`${long}=true`], [`${long}=false`], [`${long}=yes`], [`${long}=`], [`${long}=True`], [long, `--no-${name}`], [`--no-${name}`, 'true']);
    return forms;
  }
  forms.push([long], [long, '--', 'w']);
  const [first, second] = valueSamples(spec);
  for (const sample of valueSamples(spec)) forms.push([`${long}=${sample}`], [long, sample]);
  for (const spelling of spellings.slice(1)) forms.push([spelling, first!], [`${spelling}=${first}`]);
  forms.push([long, first!, long, second!], [long, second!, long, first!], [`${long}=${first}`, long, first!], [long, first!, 'extra']);
  return forms;
}

function requiredOptions(definition: CommandDefinition): string[] {
  return optionsOf(definition).filter(([, spec]) => spec.required).flatMap(([name, spec]) => [`--${name}`, valueSamples(spec)[0]!]);
}

/** Commands of every shape (no positionals, optional, required, a group's) that also try every form of the global options. */
const REPRESENTATIVES = ['status', 'inbox', 'send', 'task complete'];

function corpusFor(definition: CommandDefinition): string[][] {
  const path = [...definition.path];
  const positionals = definition.positionals ?? [];
  const filled = positionals.map((_, index) => `p${index}`);
  const needed = filled.slice(0, positionals.filter((p) => p.required !== false).length);
  const required = requiredOptions(definition);
  const corpus: string[][] = [];
  // positional counts, with and without the required options
  for (let count = 0; count <= positionals.length + 1; count++) {
    const words = Array.from({ length: count }, (_, index) => `p${index}`);
    corpus.push([...path, ...words, ...required], [...path, ...words]);
  }
  // positionals that look like options, numbers, nothing; `--` in every place
  for (const word of ['-5', '-x', '-5 degrees', '--help', '', 'true', '--', '-']) {
    for (let index = 0; index < Math.max(1, positionals.length); index++) {
      const words = [...filled];
      words[index] = word;
      corpus.push([...path, ...words, ...required], [...path, '--', ...words, ...required], [...path, ...required, '--', ...words]);
      if (index > 0) corpus.push([...path, ...words.slice(0, index), ...required, '--', ...words.slice(index)]);
    }
  }
  corpus.push([...path, ...filled, '--'], [...path, '--', ...filled, 'extra'], [...path, ...needed, '--', '--', ...required]);
  // every option, every form, after the positionals and before them (the global ones on a few commands)
  const options = REPRESENTATIVES.includes(path.join(' ')) ? optionsOf(definition) : Object.entries(definition.options ?? {});
  for (const [name, spec] of options) {
    for (const form of optionForms(name, spec)) {
      corpus.push([...path, ...needed, ...required, ...form], [...path, ...form, ...needed, ...required]);
    }
  }
  // conflicts: both set, one or both negated
  for (const [name, spec] of optionsOf(definition)) {
    for (const other of spec.conflicts ?? []) {
      const set = (option: string) => (optionsOf(definition).find(([n]) => n === option)![1].type === 'boolean' ? [`--${option}`] : [`--${option}`, 'v']);
      corpus.push([...path, ...needed, ...required, ...set(name), ...set(other)], [...path, ...needed, ...required, ...set(name), `--no-${other}`], [...path, ...needed, ...required, `--no-${name}`, `--no-${other}`]);
    }
  }
  // unknown options, short groups, help, global options before the command
  for (const extra of [['--bogus'], ['--bogus=1'], ['--no-bogus'], ['-z'], ['-fn', '5'], ['-n5'], ['-f=true'], ['--help'], ['-h'], ['--version'], ['--=x'], ['---x']]) {
    corpus.push([...path, ...needed, ...required, ...extra]);
  }
  for (const before of [['--json'], ['--json', 'true'], ['--town', 'x'], ['--as=x'], ['--no-json'], ['--bogus']]) corpus.push([...before, ...path, ...needed, ...required]);
  return corpus;
}

/** Each command line once (yargs takes 5 to 30 ms a parse). */
function distinct(corpus: string[][]): string[][] {
  return [...new Map(corpus.map((argv) => [JSON.stringify(argv), argv])).values()];
}

const generated = distinct(definitions.flatMap(corpusFor));
const topLevel: string[][] = [[], ['bogus'], ['task'], ['task', 'bogus'], ['--help'], ['--version'], ['-h'], ['--'], ['--', 'send', 'a', 'b'], ['send', 'bakend', 'x']];

/**
 * Command lines yargs accepts and the fast path leaves to it on purpose:
 * short-option groups and attached values (`-fn 5`, `-n5`, `-f=true`).
 */
function leftToYargs(argv: string[]): boolean {
  return argv.some((word) => /^-[^-\d]./.test(word));
}

describe('the fast path and yargs agree', () => {
  it('on every command line of the generated corpus', { timeout: 300_000 }, async () => {
    const corpus = [...generated, ...topLevel];
    expect(corpus.length).toBeGreaterThan(4000);
    const disagreements: string[] = [];
    const unexplainedDeclines: string[] = [];
    const counts = { run: 0, refuse: 0, text: 0, fast: 0 };
    for (const argv of corpus) {
      const fast = fastOutcome(argv);
      const slow = await yargsOutcome(argv);
      if (slow.kind !== 'decline') counts[slow.kind]++;
      if (fast.kind === 'run') {
        counts.fast++;
        if (!isDeepStrictEqual(fast, slow)) disagreements.push(`${JSON.stringify(argv)}: fast ${JSON.stringify(fast)}, yargs ${JSON.stringify(slow)}`);
      } else if (slow.kind === 'run' && !leftToYargs(argv)) {
        unexplainedDeclines.push(`${JSON.stringify(argv)}: yargs ${JSON.stringify(slow)}`);
      }
    }
    expect(disagreements).toEqual([]);
    expect(unexplainedDeclines).toEqual([]);
    // The corpus exercises all three outcomes, and the fast path takes a good share of it.
    expect(counts.run).toBeGreaterThan(1000);
    expect(counts.refuse).toBeGreaterThan(1000);
    expect(counts.fast).toBeGreaterThan(counts.run * 0.9);
  });
});

// ------------------------------------------------------ the rules, by example

type Expected = Values | 'refuse' | 'text';

/** [argv, what both must make of it]. A value result names the command (the `_` key) and every value set. */
const RULES: Array<[string, string[], Expected]> = [
  ['-- ends the options', ['send', 'backend', '--', '-5 degrees'], { _: 'send', to: 'backend', message: '-5 degrees' }],
  ['-- ends the options, --help after it is text', ['send', 'backend', '--', '--help'], { _: 'send', to: 'backend', message: '--help' }],
  ['options before --', ['send', '--urgent', '--', 'backend', '-x'], { _: 'send', to: 'backend', message: '-x', urgent: true }],
  ['an option missing its value before --', ['send', 'backend', '--from', '--', 'x'], 'refuse'],
  ['only the first -- ends options', ['send', 'backend', '--', '--'], { _: 'send', to: 'backend', message: '--' }],
  ['a negative number is a value', ['send', 'backend', '-5'], { _: 'send', to: 'backend', message: '-5' }],
  ['a negative number as a number', ['events', '-n', '-5'], { _: 'events', n: -5 }],
  ['a negative number as a string', ['send', 'a', 'b', '--from', '-1.5'], { _: 'send', to: 'a', message: 'b', from: '-1.5' }],
  ['other dash words are options', ['send', 'backend', '-5 degrees'], 'refuse'],
  ['a negated conflict is no conflict', ['send', 'a', 'b', '--query', '--no-info'], { _: 'send', to: 'a', message: 'b', query: true, info: false }],
  ['conflicting options', ['send', 'a', 'b', '--query', '--info'], 'refuse'],
  ['conflict between a string and a boolean', ['reclaim', '--to', 'x', '--to-backlog'], 'refuse'],
  ['a negated conflict, string and boolean', ['reclaim', '--to', 'x', '--no-to-backlog'], { _: 'reclaim', to: 'x', 'to-backlog': false }],
  ['--no-x on a boolean', ['spawn', 'x', '--no-start'], { _: 'spawn', name: 'x', start: false }],
  ['a default applies', ['spawn', 'x'], { _: 'spawn', name: 'x', start: true }],
  ['--no-x on a string', ['send', 'a', 'b', '--no-from'], 'refuse'],
  ['--no-x on a string, then the string', ['send', 'a', 'b', '--no-from', '--from', 'x'], 'refuse'],
  ['--x=true', ['send', 'a', 'b', '--urgent=true'], { _: 'send', to: 'a', message: 'b', urgent: true }],
  ['--x=false', ['send', 'a', 'b', '--urgent=false'], { _: 'send', to: 'a', message: 'b', urgent: false }],
  ['--x=other', ['send', 'a', 'b', '--urgent=yes'], 'refuse'],
  ['--x true takes the word', ['send', 'a', 'b', '--urgent', 'false'], { _: 'send', to: 'a', message: 'b', urgent: false }],
  ['--no-x true does not', ['send', 'a', '--no-urgent', 'true'], { _: 'send', to: 'a', message: 'true', urgent: false }],
  ['last boolean wins', ['send', 'a', 'b', '--urgent', '--no-urgent'], { _: 'send', to: 'a', message: 'b', urgent: false }],
  ['--opt=value', ['send', 'a', 'b', '--from=-x'], { _: 'send', to: 'a', message: 'b', from: '-x' }],
  ['--opt= is an empty value', ['task', 'complete', 't-1', '--result='], { _: 'task complete', id: 't-1', result: '' }],
  ['--opt at the end has no value', ['send', 'a', 'b', '--from'], 'refuse'],
  ['--opt followed by an option has no value', ['send', 'a', 'b', '--from', '--urgent'], 'refuse'],
  ['last single value wins', ['send', 'a', 'b', '--from', 'x', '--from', 'y'], { _: 'send', to: 'a', message: 'b', from: 'y' }],
  ['repeatable option', ['send', 'a', 'b', '--cc', 'x', '--cc=y'], { _: 'send', to: 'a', message: 'b', cc: ['x', 'y'] }],
  ['one value per flag', ['send', '--cc', 'x', 'a', 'b'], { _: 'send', to: 'a', message: 'b', cc: ['x'] }],
  ['one value per flag, so one too many', ['send', 'a', 'b', '--cc', 'x', 'y'], 'refuse'],
  ['repeatable option without a value', ['send', 'a', 'b', '--cc'], 'refuse'],
  ['numbers', ['ui', '--port', '1e3'], { _: 'ui', port: 1000 }],
  ['not a number', ['ui', '--port', 'abc'], 'refuse'],
  ['a blank number', ['ui', '--port', ''], 'refuse'],
  ['a blank number with =', ['ui', '--port='], 'refuse'],
  ['not a finite number', ['ui', '--port', 'Infinity'], 'refuse'],
  ['a short alias', ['events', '-f'], { _: 'events', follow: true, n: 20 }],
  ['camelCase spelling', ['inbox', '--markRead'], { _: 'inbox', 'mark-read': true }],
  ['kebab option with a number', ['spawn', 'x', '--max-rounds', '3'], { _: 'spawn', name: 'x', start: true, 'max-rounds': 3 }],
  ['choices', ['assign', 'a', 'x', '--priority', 'high'], { _: 'assign', agent: 'a', description: 'x', priority: 'high' }],
  ['not one of the choices', ['assign', 'a', 'x', '--priority', 'HIGH'], 'refuse'],
  ['a required option missing', ['task', 'complete', 't-1'], 'refuse'],
  ['a required positional missing', ['send', 'a'], 'refuse'],
  ['too many positionals', ['send', 'a', 'b', 'c'], 'refuse'],
  ['an optional positional', ['inbox'], { _: 'inbox' }],
  ['empty positionals are values', ['send', 'a', ''], { _: 'send', to: 'a', message: '' }],
  ['unknown option', ['send', 'a', 'b', '--bogus'], 'refuse'],
  ['unknown negated option', ['send', 'a', 'b', '--no-bogus'], 'refuse'],
  ['dotted option', ['send', 'a', 'b', '--from.x=1'], 'refuse'],
  ['global option before the command', ['--json', 'inbox'], { _: 'inbox', json: true }],
  ['global option with a value before the command', ['--town', 't', 'task', 'list'], { _: 'task list', town: 't' }],
  ['help', ['send', 'a', 'b', '--help'], 'text'],
  ['help, short', ['task', 'list', '-h'], 'text'],
];

describe('the command-line rules', () => {
  it.each(RULES)('%s: %j', async (_rule, argv, expected) => {
    const fast = fastOutcome(argv);
    const slow = await yargsOutcome(argv);
    if (expected === 'refuse' || expected === 'text') {
      expect(slow.kind).toBe(expected);
      expect(fast.kind).toBe('decline');
      return;
    }
    const { _: command, ...given } = expected;
    const want = { kind: 'run', command, values: given };
    expect(slow).toEqual(want);
    // Everyday command lines stay on the fast path.
    expect(fast).toEqual(want);
  });

  it('keeps yargs off the fast path', () => {
    const source = readFileSync(new URL('../../src/cli/fast-parse.ts', import.meta.url), 'utf8');
    const imports = [...source.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
    expect(imports).toEqual(['./command.js']);
  });
});
