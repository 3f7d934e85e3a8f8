// Scenario 6: peak memory of `tt status --json` and of `tt watch` in the largest town.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fmtMs } from '../lib/report.mjs';
import { dropAndWaitForCommit, startWatch, vmHwmKb } from '../lib/watch.mjs';
import { sleep } from '../lib/timing.mjs';

const GOAL_MB = 150;
const HAS_TIME = fs.existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%M', 'true'], { encoding: 'utf8' }).status === 0;

function maxRssKb({ processes, tmp }, dir, args) {
  const { run, ttCommand, env } = processes;
  if (HAS_TIME) {
    const outFile = path.join(tmp, 'time.out');
    const [command, commandArgs] = ttCommand(args);
    run('/usr/bin/time', ['-f', '%M', '-o', outFile, command, ...commandArgs], { cwd: dir });
    return Number(fs.readFileSync(outFile, 'utf8').trim().split('\n').at(-1));
  }
  // Fallback: node reports its own peak RSS (KiB) as it exits.
  const hook = path.join(tmp, 'maxrss-hook.mjs');
  const outFile = path.join(tmp, 'maxrss.out');
  fs.writeFileSync(hook, `import fs from 'node:fs';\nprocess.on('exit', () => { fs.writeFileSync(${JSON.stringify(outFile)}, String(process.resourceUsage().maxRSS)); });\n`);
  run(...ttCommand(args), { cwd: dir, env: { ...env, NODE_OPTIONS: `--import=${hook}` } });
  return Number(fs.readFileSync(outFile, 'utf8').trim());
}

export async function scenarioMemory(ctx) {
  const { config, log, processes, towns, report, tmp } = ctx;
  const { row } = report;
  const features = ctx.features();
  const largest = config.scale.length - 1;
  const { dir } = await towns.getScaleTown(largest);
  const size = config.scale[largest];
  log(`memory: peak RSS of tt status --json at ${size.tasks} tasks / ${size.messages} messages (${HAS_TIME ? '/usr/bin/time -f %M' : 'process.resourceUsage fallback'})`);
  const statusKb = [];
  for (let i = 0; i < config.memoryRuns; i++) statusKb.push(maxRssKb(ctx, dir, ['status', '--json']));
  const statusMb = Math.max(...statusKb) / 1024;
  const out = { description: `peak RSS (max over runs) at ${size.tasks} tasks / ${size.messages} messages`, method: HAS_TIME ? '/usr/bin/time -f %M' : 'process.resourceUsage().maxRSS', status_max_rss_mb: statusMb, status_samples_kb: statusKb, goal: `≤ ${GOAL_MB} MB` };
  report.results.scenarios.memory = out;
  row({ scenario: `6 memory ${size.tasks / 1000}k/${size.messages / 1000}k`, measure: 'tt status --json peak RSS', median: null, p95: null, baseline: null, ratio: null, goal: `≤ ${GOAL_MB} MB`, pass: statusMb <= GOAL_MB, note: `${statusMb.toFixed(0)} MB` });
  if (!features.watch) {
    out.watch = 'not available';
    row({ scenario: '', measure: 'tt watch peak RSS', median: null, p95: null, baseline: null, ratio: null, goal: `≤ ${GOAL_MB} MB`, pass: 'n/a', note: 'not available' });
    out.pass = statusMb <= GOAL_MB;
    return;
  }
  log('memory: starting tt watch on the largest town, letting it settle, then one dropped file');
  const handle = await startWatch(processes, { dir, tmp }, 120000);
  log(`memory: tt watch settled after ~${(handle.settledMs / 1000).toFixed(1)} s`);
  try {
    const commitMs = dropAndWaitForCommit(processes, dir, 'backend', 60000);
    await sleep(1000);
    if (handle.child.exitCode !== null) throw new Error(`tt watch exited (${handle.child.exitCode}): ${fs.readFileSync(handle.logFile, 'utf8').slice(-400)}`);
    const watchMb = vmHwmKb(handle.child.pid) / 1024;
    out.watch_max_rss_mb = watchMb;
    out.watch_drop_to_commit_ms_at_scale = commitMs;
    out.watch_settle_ms = handle.settledMs;
    out.pass = statusMb <= GOAL_MB && watchMb <= GOAL_MB;
    row({ scenario: '', measure: 'tt watch peak RSS (VmHWM, after settling + 1 drop)', median: null, p95: null, baseline: null, ratio: null, goal: `≤ ${GOAL_MB} MB`, pass: watchMb <= GOAL_MB,
      note: `${watchMb.toFixed(0)} MB; settled in ${(handle.settledMs / 1000).toFixed(1)} s; a drop → commit ${commitMs === null ? 'timed out' : fmtMs(commitMs)}` });
  } finally {
    await processes.stop(handle);
  }
}
