// The command line of bench/run.mjs (node's util.parseArgs) and the two run sizes.

import path from 'node:path';
import { parseArgs } from 'node:util';

export const SCENARIOS = ['send', 'tasks', 'scale', 'concurrency', 'watch', 'memory', 'ui', 'monorepo', 'merge'];

export function usage() {
  return `usage: node bench/run.mjs [--quick] [--only NAME[,NAME]] [--keep] [--no-write] [--tt PATH] [--compare PATH]
  --quick      fewer runs and smaller towns (a smoke run, a few minutes at most)
  --only NAME  run only these scenarios (repeatable or comma-separated): ${SCENARIOS.join(', ')}
  --keep       keep the temporary repositories (their folder is printed)
  --no-write   print the table only; leave bench/results.json and bench/RESULTS.md as they are
  --tt PATH    benchmark another tt command (default: bin/tt of this checkout; a .js file runs with node)
  --compare PATH  also run this tt (say, an older build's bin/tt) in the scale scenario, interleaved
               with the one under test: before/after medians from one run on a shared machine
Writes bench/results.json and bench/RESULTS.md.`;
}

/** A command line the benchmark refuses: the message, then the usage, exit 2. */
export class BenchUsageError extends Error {}

/** argv → { help, quick, only, keep, write, tt, selected }; throws BenchUsageError. */
export function parseOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean', default: false },
        only: { type: 'string', multiple: true, default: [] },
        keep: { type: 'boolean', default: false },
        // Node 20's parseArgs has no --no-X negation: the option is named as typed.
        'no-write': { type: 'boolean', default: false },
        tt: { type: 'string' },
        compare: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new BenchUsageError(error.message);
  }
  if (values.tt === '') throw new BenchUsageError('--tt needs a path');
  if (values.compare === '') throw new BenchUsageError('--compare needs a path');
  const only = values.only.flatMap((value) => value.split(',')).map((s) => s.trim()).filter(Boolean);
  if (values.only.length && !only.length) throw new BenchUsageError('--only needs a scenario name');
  for (const name of only) {
    if (!SCENARIOS.includes(name)) throw new BenchUsageError(`unknown scenario "${name}" (one of ${SCENARIOS.join(', ')})`);
  }
  return {
    help: values.help,
    quick: values.quick,
    only,
    keep: values.keep,
    write: !values['no-write'],
    tt: values.tt === undefined ? null : path.resolve(values.tt),
    compare: values.compare === undefined ? null : path.resolve(values.compare),
    selected: only.length ? SCENARIOS.filter((s) => only.includes(s)) : SCENARIOS,
  };
}

/** Runs and town sizes: --quick is a smoke run; the full run is what RESULTS.md reports. */
export function runConfig(quick) {
  return quick
    ? {
      warmup: 1, sendRuns: 5, taskRuns: 5, taskTownSize: 500,
      scale: [{ tasks: 200, messages: 2000, runs: 3 }, { tasks: 1000, messages: 10000, runs: 3 }],
      concurrency: { writers: 4, each: 10, rounds: 1 },
      watchRuns: 5, watchScaleStarts: 2, waitRuns: 4, memoryRuns: 1, uiRuns: 1,
      monorepo: { files: 100_000, runs: 5 },
      merge: [{ files: 1000, runs: 2 }, { files: 10000, runs: 2 }],
    }
    : {
      warmup: 2, sendRuns: 15, taskRuns: 15, taskTownSize: 2000,
      scale: [{ tasks: 1000, messages: 10000, runs: 9 }, { tasks: 10000, messages: 100000, runs: 5, warmup: 1 }],
      concurrency: { writers: 8, each: 50, rounds: 2 },
      watchRuns: 20, watchScaleStarts: 5, waitRuns: 15, memoryRuns: 3, uiRuns: 3,
      monorepo: { files: 100_000, runs: 15 },
      merge: [{ files: 1000, runs: 5 }, { files: 100000, runs: 5 }],
    };
}
