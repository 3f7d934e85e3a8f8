// Scenario 1: `tt send` beside the least a one-file commit costs (node -e 0 + git add + git commit).

import fs from 'node:fs';
import path from 'node:path';
import { fmtMs } from '../lib/report.mjs';
import { rawGitBaseline } from '../lib/repos.mjs';
import { median, p95, summary } from '../lib/stats.mjs';

/** Sends whose git processes are counted: git's maintenance runs after one commit in 32, so a few dozen show the average. */
const GIT_COUNT_SENDS = 32;
const GOAL_RATIO = 1.5;

/** How many git processes a tt send starts, on average: every git process writes a "start" event to GIT_TRACE2_EVENT. */
function countGitProcesses({ processes, tmp }, dir, sends) {
  const trace = path.join(tmp, `git-trace2-${process.pid}.json`);
  fs.rmSync(trace, { force: true });
  const env = { ...processes.env, GIT_TRACE2_EVENT: trace };
  for (let i = 0; i < sends; i++) processes.run(...processes.ttCommand(['send', 'backend', `Counting git processes ${i}`]), { cwd: dir, env });
  let starts = 0;
  try {
    for (const line of fs.readFileSync(trace, 'utf8').split('\n')) if (line.includes('"event":"start"')) starts++;
  } catch (error) {
    // git makes the trace file at its first process: none at all is an answer (the write path runs git only where it must)
    if (error.code !== 'ENOENT') return NaN;
  }
  return starts / sends;
}

export async function scenarioSend(ctx) {
  const { config, log, processes, towns, report } = ctx;
  const { row } = report;
  const runs = config.sendRuns;
  const ttTown = await towns.makeTown('send-tt');
  const gitTown = await towns.makeTown('send-git');
  log(`send: towns ready; ${config.warmup} warm-up + ${runs} interleaved runs of tt send / node -e 0 + git add + git commit`);
  const sendMs = []; const base = [];
  for (let i = -config.warmup; i < runs; i++) {
    const a = processes.tt(ttTown, 'send', 'backend', `Benchmark message ${i}: the API is ready in src/api.ts`).ms;
    const b = rawGitBaseline(processes, gitTown, i);
    if (i >= 0) { sendMs.push(a); base.push(b); }
  }
  const baseTotal = base.map((b) => b.total);
  const ratio = median(sendMs) / median(baseTotal);
  const out = {
    description: 'tt send (bin/tt, whole process) ÷ (node -e 0 + git add F + git commit -q of one file in a similar repo)',
    tt_send_ms: summary(sendMs),
    baseline_ms: summary(baseTotal),
    baseline_parts_ms: { node_e_0: summary(base.map((b) => b.node)), git_add: summary(base.map((b) => b.add)), git_commit: summary(base.map((b) => b.commit)) },
    ratio, goal: `ratio ≤ ${GOAL_RATIO}`, pass: ratio <= GOAL_RATIO,
  };
  report.results.scenarios.send = out;
  row({ scenario: '1 send', measure: 'tt send', median: median(sendMs), p95: p95(sendMs), baseline: median(baseTotal), ratio, goal: `≤ ${GOAL_RATIO}× baseline`, pass: ratio <= GOAL_RATIO });
  row({ scenario: '', measure: '  baseline parts: node -e 0 / git add / git commit', median: null, p95: null, baseline: null, ratio: null, goal: '', pass: null,
    note: `${fmtMs(median(base.map((b) => b.node)))} / ${fmtMs(median(base.map((b) => b.add)))} / ${fmtMs(median(base.map((b) => b.commit)))}` });
  if (processes.caCertsSet) {
    const floor = median(base.map((b) => b.totalAsTt));
    out.like_for_like = {
      description: 'NODE_EXTRA_CA_CERTS is set here: node 20 parses every CA certificate at start-up, which bin/tt avoids; the same floor with node started as bin/tt starts it',
      node_e_0_without_extra_ca_certs_ms: summary(base.map((b) => b.nodeAsTt)), baseline_ms: summary(base.map((b) => b.totalAsTt)), ratio: median(sendMs) / floor,
    };
    row({ scenario: '', measure: '  NODE_EXTRA_CA_CERTS is set: node -e 0 without it (as bin/tt starts node)', median: median(base.map((b) => b.nodeAsTt)), p95: null, baseline: null, ratio: null, goal: '', pass: null,
      note: `with it: ${fmtMs(median(base.map((b) => b.node)))}` });
    row({ scenario: '', measure: '  tt send ÷ the floor without it (like for like)', median: median(sendMs), p95: null, baseline: floor, ratio: median(sendMs) / floor, goal: '', pass: null });
  }
  const gitProcesses = countGitProcesses(ctx, ttTown, GIT_COUNT_SENDS);
  out.git_processes_per_send = gitProcesses;
  row({ scenario: '', measure: `  git processes per tt send (${GIT_COUNT_SENDS} sends, GIT_TRACE2)`, median: null, p95: null, baseline: null, ratio: null, goal: '', pass: null,
    note: Number.isFinite(gitProcesses) ? gitProcesses.toFixed(2) : 'not measured' });
}
