// Scenario 4: writers sending at once, beside the same sends one after another;
// every message must end up committed.

import fs from 'node:fs';
import path from 'node:path';
import { committedInboxFiles } from '../lib/repos.mjs';
import { median, p95, summary } from '../lib/stats.mjs';
import { msSince, nowNs } from '../lib/timing.mjs';

const GOAL_RATIO = 0.7;

async function sendBatch(processes, dir, writers, each) {
  const latencies = []; let failures = 0; const failureText = [];
  const t0 = nowNs();
  await Promise.all(Array.from({ length: writers }, async (_, w) => {
    for (let i = 0; i < each; i++) {
      const h = processes.start(...processes.ttCommand(['send', 'backend', `writer ${w} message ${i}: progress report`]), { cwd: dir, logFile: path.join(dir, '..', `${path.basename(dir)}.log`) });
      const r = await h.done;
      latencies.push(r.ms);
      if (r.code !== 0) { failures++; if (failureText.length < 3) failureText.push(`exit ${r.code ?? r.signal}`); }
    }
  }));
  return { wallMs: msSince(t0), latencies, failures, failureText };
}

export async function scenarioConcurrency(ctx) {
  const { config, log, processes, towns, report } = ctx;
  const { row } = report;
  const { writers, each, rounds } = config.concurrency;
  const total = writers * each;
  log(`concurrency: ${rounds} round(s) of ${total} sequential sends, then ${writers} writers × ${each} sends at once (fresh towns each time)`);
  const seqWall = []; const concWall = []; const concLatency = []; const seqLatency = [];
  const roundResults = [];
  let lostTotal = 0;
  for (let r = 0; r < rounds; r++) {
    const entry = {};
    for (const mode of ['sequential', 'concurrent']) {
      const dir = await towns.makeTown(`conc-${mode}-${r}`);
      for (let i = 0; i < config.warmup; i++) processes.tt(dir, 'send', 'backend', `warm-up ${i}`);
      const before = committedInboxFiles(processes, dir);
      const batch = mode === 'sequential' ? await sendBatch(processes, dir, 1, total) : await sendBatch(processes, dir, writers, each);
      const committed = committedInboxFiles(processes, dir) - before;
      const uncommitted = processes.git(dir, 'status', '--porcelain', '--untracked-files=all', '--', '.tinytown').stdout.split('\n').filter(Boolean).length;
      const onDisk = fs.readdirSync(path.join(dir, '.tinytown', 'inbox', 'backend')).filter((f) => f.endsWith('.md')).length - before;
      entry[mode] = { wall_ms: batch.wallMs, sends: total, failed_sends: batch.failures, failures: batch.failureText, committed, lost: total - committed, written_files: onDisk, uncommitted_paths: uncommitted, per_send_ms: summary(batch.latencies) };
      (mode === 'sequential' ? seqWall : concWall).push(batch.wallMs);
      (mode === 'sequential' ? seqLatency : concLatency).push(...batch.latencies);
      if (mode === 'concurrent') lostTotal += total - committed;
      log(`concurrency: round ${r + 1}/${rounds} ${mode}: ${(batch.wallMs / 1000).toFixed(1)} s, ${committed}/${total} committed, ${batch.failures} failed sends`);
    }
    roundResults.push(entry);
  }
  const ratio = median(concWall) / median(seqWall);
  report.results.scenarios.concurrency = {
    description: `${writers} concurrent writers × ${each} tt send each: wall time ÷ the same ${total} sends one after another; committed messages counted in git ls-tree HEAD`,
    writers, sends_per_writer: each, rounds: roundResults,
    sequential_wall_ms: summary(seqWall), concurrent_wall_ms: summary(concWall),
    sequential_per_send_ms: summary(seqLatency), concurrent_per_send_ms: summary(concLatency),
    ratio, lost_messages: lostTotal,
    goal: `ratio ≤ ${GOAL_RATIO} and 0 messages lost`, pass: ratio <= GOAL_RATIO && lostTotal === 0,
  };
  row({ scenario: `4 concurrency ${writers}×${each}`, measure: `${total} sends: ${writers} writers at once vs one after another`, median: median(concWall), p95: null, baseline: median(seqWall), ratio, goal: `≤ ${GOAL_RATIO}`, pass: ratio <= GOAL_RATIO });
  row({ scenario: '', measure: 'per send under contention (p50 / p95)', median: median(concLatency), p95: p95(concLatency), baseline: median(seqLatency), ratio: null, goal: '', pass: null });
  const committedList = roundResults.map((x) => `${x.concurrent.committed}/${total}`).join(', ');
  row({ scenario: '', measure: `messages committed (concurrent): ${committedList}`, median: null, p95: null, baseline: null, ratio: null, goal: '0 lost', pass: lostTotal === 0, note: `${lostTotal} lost` });
}
