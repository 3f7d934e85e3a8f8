#!/usr/bin/env node
// The benchmark behind `npm run bench`: how fast is the real `tt` command
// (bin/tt, as an agent calls it) next to what it costs at the least —
// starting node and making one git commit — beside Backlog.md, and how it scales.
//
// Self-contained: every town lives in a temporary git repository under
// os.tmpdir() (deleted at the end), git runs with no system or global config,
// compared commands are interleaved (A,B,A,B…) after a warm-up, and the figures
// go to stdout (a table), bench/results.json and bench/RESULTS.md.
//
//   node bench/run.mjs [--quick] [--only NAME[,NAME]] [--keep] [--no-write] [--tt PATH] [--compare PATH]
//   scenarios: send, tasks, scale, concurrency, watch, memory, ui, monorepo, merge (one module each in scenarios/)
//
// This file is the driver: options, the temporary area, the CLI snapshot, the
// library (dist/lib, which builds the towns: lib/towns.mjs), then each scenario.
// It is a report: it exits 0 when goals are missed (misses are marked MISS);
// it exits 1 only when a scenario could not run at all; 2 on a bad command line.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isolate } from './lib/environment.mjs';
import { BenchUsageError, parseOptions, runConfig, usage } from './lib/options.mjs';
import { createProcesses } from './lib/processes.mjs';
import { createReport, machine, rowName, textTable, writeReports } from './lib/report.mjs';
import { createRepos } from './lib/repos.mjs';
import { snapshotCli } from './lib/snapshot.mjs';
import { createLog, msSince, nowNs } from './lib/timing.mjs';
import { createTowns } from './lib/towns.mjs';
import { detectFeatures } from './lib/watch.mjs';
import { scenarioConcurrency } from './scenarios/concurrency.mjs';
import { scenarioMemory } from './scenarios/memory.mjs';
import { scenarioMonorepo } from './scenarios/monorepo.mjs';
import { scenarioMerge } from './scenarios/merge.mjs';
import { scenarioScale } from './scenarios/scale.mjs';
import { scenarioSend } from './scenarios/send.mjs';
import { scenarioTasks } from './scenarios/tasks.mjs';
import { scenarioUi } from './scenarios/ui.mjs';
import { scenarioWatch } from './scenarios/watch.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const RUNNERS = { send: scenarioSend, tasks: scenarioTasks, scale: scenarioScale, concurrency: scenarioConcurrency, watch: scenarioWatch, memory: scenarioMemory, ui: scenarioUi, monorepo: scenarioMonorepo, merge: scenarioMerge };

async function main(argv) {
  let options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    console.error(`bench: ${error.message}\n${usage()}`);
    return 2;
  }
  if (options.help) {
    console.log(usage());
    return 0;
  }
  const config = runConfig(options.quick);
  const mode = options.quick ? 'quick' : 'full';
  const { log, elapsedS } = createLog();
  const { tmp, env } = isolate();

  let processes = null;
  let cleanedUp = false;
  const cleanup = () => {
    if (cleanedUp) return;
    cleanedUp = true;
    processes?.killAll();
    if (options.keep) log(`kept the temporary repositories in ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => { log(`${signal}: cleaning up`); cleanup(); process.exit(130); });
  }

  log(`${mode} run of ${options.selected.join(', ')} in ${tmp}`);
  // The tt under test, and the package whose library builds the towns: a snapshot of this checkout's build, or --tt.
  let packageDir = ROOT;
  let ttPath = options.tt;
  if (!ttPath) {
    packageDir = await snapshotCli({ root: ROOT, tmp, env, log });
    if (!packageDir) return 1;
    ttPath = path.join(packageDir, 'bin', 'tt');
  }
  const lib = await import(pathToFileURL(path.join(packageDir, 'dist', 'lib', 'index.js')).href);
  processes = createProcesses({ env, ttPath });
  const report = createReport();
  const newRepo = createRepos({ tmp, processes });
  const towns = createTowns({ lib, processes, newRepo, log, scaleSizes: config.scale });
  let features;
  // Another tt (an older build) the scale scenario runs beside the one under test, interleaved.
  const compared = options.compare ? { path: options.compare, processes: createProcesses({ env, ttPath: options.compare }) } : null;
  const ctx = { root: ROOT, tmp, config, log, processes, report, towns, newRepo, compared, features: () => (features ??= detectFeatures(processes, tmp)) };

  const info = machine({ env, processes, root: ROOT, cwd: tmp });
  log(`${info.cpus} × ${info.cpu_model}, node ${info.node}, ${info.git}, load average ${info.load_average_at_start.join(' ')}`);
  if (info.load_average_at_start[0] > info.cpus / 2) log(`WARNING: the machine is busy (1-minute load ${info.load_average_at_start[0]} on ${info.cpus} CPUs): figures will be noisy`);
  for (const name of options.selected) {
    const t0 = nowNs();
    log(`── ${name}`);
    try {
      await RUNNERS[name](ctx);
    } catch (error) {
      report.errors++;
      log(`ERROR in ${name}: ${error?.stack ?? error}`);
      report.results.scenarios[name] = { ...(report.results.scenarios[name] ?? {}), error: String(error?.message ?? error) };
      report.row({ scenario: name, measure: 'could not run', median: null, p95: null, baseline: null, ratio: null, goal: '', pass: 'error', note: String(error?.message ?? error).slice(0, 120) });
    }
    log(`── ${name} done in ${(msSince(t0) / 1000).toFixed(1)} s`);
  }
  const durationS = elapsedS();
  info.load_average_at_end = os.loadavg().map((x) => Math.round(x * 100) / 100);
  process.stdout.write(`\nTinytown benchmark (${mode}) — ${info.cpus} × ${info.cpu_model}, node ${info.node}, ${info.date}\n\n`);
  process.stdout.write(`${textTable(report.rows)}\n\n`);
  const misses = report.misses();
  process.stdout.write(misses.length ? `MISSED ${misses.length} goal(s): ${misses.map(rowName).join('; ')}\n` : 'All measured goals met.\n');
  if (options.write) {
    writeReports(report, { folder: HERE, info, durationS, quick: options.quick, only: options.only, selected: options.selected, config });
    process.stdout.write(`Wrote bench/results.json and bench/RESULTS.md (${(durationS / 60).toFixed(1)} min).\n`);
  } else {
    process.stdout.write(`--no-write: bench/results.json and bench/RESULTS.md left as they were (${(durationS / 60).toFixed(1)} min).\n`);
  }
  log('cleaning up temporary repositories');
  cleanup();
  return report.errors ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
