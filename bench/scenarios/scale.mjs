// Scenario 3: reads (status, task list, inbox --all) in big towns, each beside
// `node -e 0`, and how their time grows from the smaller town to the larger.

import { fmtBytes, fmtMs } from '../lib/report.mjs';
import { median, p95, summary } from '../lib/stats.mjs';

const COMMANDS = [
  ['status', ['status', '--json']],
  ['task list', ['task', 'list', '--json']],
  // the default: the newest 50 unread per inbox, with the counts (--limit 0 prints them all)
  ['inbox --all', ['inbox', '--all', '--json']],
  // tasks and messages (read ones too); "staging" is in every failed task's result
  ['search', ['search', 'staging', '--json']],
];
const GOAL_RATIO = 6;
// Issue 20: what people run every day, ≤ 3× node -e 0 started as bin/tt starts node, at the largest size.
const DAILY_GOAL_RATIO = 3;
const DAILY = new Set(['inbox --all', 'search']);
const COMPARED = (name) => `${name} (compared)`;

export async function scenarioScale(ctx) {
  const { config, log, processes, towns, report, compared } = ctx;
  const { row } = report;
  const { tt, git, nodeNoop, nodeNoopAsTtStarts, caCertsSet } = processes;
  const perSize = [];
  for (const [index, size] of config.scale.entries()) {
    const { dir, problems } = await towns.getScaleTown(index);
    // The compared tt works in its own copy: two builds whose caches differ in format would
    // otherwise rewrite each other's caches on every run, and neither would be measured warm.
    const otherDir = compared ? copyTown(processes, dir, log) : null;
    const warmup = size.warmup ?? config.warmup;
    log(`scale: ${size.tasks} tasks / ${size.messages} messages: ${warmup} warm-up + ${size.runs} interleaved runs of node -e 0, ${COMMANDS.map(([n]) => n).join(', ')}`);
    const samples = { node: [], nodeAsTt: [], ...Object.fromEntries(COMMANDS.flatMap(([n]) => [[n, []], [COMPARED(n), []]])) };
    const bytes = {};
    const lacking = new Set();
    for (let i = -warmup; i < size.runs; i++) {
      const n = nodeNoop(dir).ms;
      const bare = nodeNoopAsTtStarts(dir);
      if (i >= 0) samples.node.push(n);
      if (i >= 0 && bare !== null) samples.nodeAsTt.push(bare);
      for (const [name, args] of COMMANDS) {
        // with --compare, the other tt runs right before or right after (alternately), on the same town
        // (an older build may lack a command: it is then left out of the comparison, not an error)
        const other = compared && !lacking.has(name) ? () => {
          const c = compared.processes.run(...compared.processes.ttCommand(args), { cwd: otherDir, check: false });
          if (c.status !== 0) { lacking.add(name); log(`scale: the compared tt cannot run tt ${args.join(' ')} (exit ${c.status}); left out of the comparison`); return; }
          if (i >= 0) samples[COMPARED(name)].push(c.ms);
          bytes[COMPARED(name)] = c.stdout.length;
        } : () => {};
        if (i % 2 === 0) other();
        const r = tt(dir, ...args);
        if (i >= 0) samples[name].push(r.ms);
        bytes[name] = r.stdout.length;
        if (i % 2 !== 0) other();
      }
      if (i >= 0 && size.runs >= 5) log(`scale: ${size.tasks}/${size.messages} run ${i + 1}/${size.runs}: ${COMMANDS.map(([name]) => `${name} ${fmtMs(samples[name].at(-1))}`).join(', ')}`);
    }
    const dirty = git(dir, 'status', '--porcelain').stdout.trim();
    if (dirty) problems.push(`the reads changed the town: ${dirty.split('\n').slice(0, 3).join('; ')}`);
    perSize.push({ size, samples, bytes, problems });
  }
  const largest = perSize.at(-1); const smallest = perSize[0];
  const out = { description: 'reads at scale, each ÷ node -e 0 (goal at the largest size); growth = (time ratio) ÷ (size ratio) from the smaller to the larger town', sizes: [] };
  for (const s of perSize) {
    const nodeMed = median(s.samples.node);
    const entry = { tasks: s.size.tasks, messages: s.size.messages, read_messages: Math.floor(s.size.messages / 2), node_e_0_ms: summary(s.samples.node), commands: {}, problems: s.problems };
    if (caCertsSet) entry.node_e_0_without_extra_ca_certs_ms = summary(s.samples.nodeAsTt);
    for (const [name] of COMMANDS) {
      entry.commands[name] = { ms: summary(s.samples[name]), stdout_bytes: s.bytes[name], ratio_to_node: median(s.samples[name]) / nodeMed };
      if (caCertsSet) entry.commands[name].ratio_to_node_without_extra_ca_certs = median(s.samples[name]) / median(s.samples.nodeAsTt);
      if (compared && s.samples[COMPARED(name)].length) entry.commands[name].compared = { tt: compared.path, ms: summary(s.samples[COMPARED(name)]), stdout_bytes: s.bytes[COMPARED(name)] };
    }
    out.sizes.push(entry);
  }
  out.growth = {};
  let allPass = true;
  for (const [name] of COMMANDS) {
    const sizeRatio = name === 'task list' ? largest.size.tasks / smallest.size.tasks : name === 'inbox --all' ? largest.size.messages / smallest.size.messages : (largest.size.tasks + largest.size.messages) / (smallest.size.tasks + smallest.size.messages);
    const timeRatio = median(largest.samples[name]) / median(smallest.samples[name]);
    out.growth[name] = { time_ratio: timeRatio, size_ratio: sizeRatio, growth: perSize.length > 1 ? timeRatio / sizeRatio : null };
    const ratio = median(largest.samples[name]) / median(largest.samples.node);
    const pass = ratio <= GOAL_RATIO && (!DAILY.has(name) || dailyRatio(largest, name) <= DAILY_GOAL_RATIO);
    out.sizes.at(-1).commands[name].pass = pass;
    allPass &&= pass;
  }
  out.goal = `each ≤ ${GOAL_RATIO}× node -e 0 at the largest size; ${[...DAILY].join(' and ')} also ≤ ${DAILY_GOAL_RATIO}× node -e 0 started as bin/tt starts node`;
  out.pass = allPass;
  report.results.scenarios.scale = out;
  for (const s of perSize) {
    const nodeMed = median(s.samples.node);
    const isLargest = s === largest;
    const label = `3 scale ${s.size.tasks / 1000}k tasks, ${s.size.messages / 1000}k msgs`;
    row({ scenario: label, measure: 'node -e 0', median: nodeMed, p95: p95(s.samples.node), baseline: null, ratio: null, goal: '', pass: null });
    const bareMed = caCertsSet ? median(s.samples.nodeAsTt) : null;
    if (caCertsSet) row({ scenario: '', measure: 'node -e 0 without NODE_EXTRA_CA_CERTS (as bin/tt starts node)', median: bareMed, p95: p95(s.samples.nodeAsTt), baseline: null, ratio: null, goal: '', pass: null });
    for (const [name, args] of COMMANDS) {
      const ratio = median(s.samples[name]) / nodeMed;
      const likeForLike = caCertsSet ? `; ${(median(s.samples[name]) / bareMed).toFixed(2)}× node without it` : '';
      row({ scenario: '', measure: `tt ${args.join(' ')}`, median: median(s.samples[name]), p95: p95(s.samples[name]), baseline: nodeMed, ratio,
        goal: isLargest ? `≤ ${GOAL_RATIO}× node` : '', pass: isLargest ? ratio <= GOAL_RATIO : null, note: `${fmtBytes(s.bytes[name])} out${likeForLike}` });
      if (isLargest && DAILY.has(name)) {
        const daily = dailyRatio(s, name);
        row({ scenario: '', measure: `  tt ${args.join(' ')} ÷ node -e 0 as bin/tt starts it`, median: null, p95: null, baseline: caCertsSet ? bareMed : nodeMed, ratio: daily, goal: `≤ ${DAILY_GOAL_RATIO}× (issue 20)`, pass: daily <= DAILY_GOAL_RATIO });
      }
      if (compared && s.samples[COMPARED(name)].length) {
        const other = s.samples[COMPARED(name)];
        row({ scenario: '', measure: `  the same with --compare ${compared.path}`, median: median(other), p95: p95(other), baseline: nodeMed, ratio: median(other) / nodeMed, goal: '', pass: null,
          note: `${fmtBytes(s.bytes[COMPARED(name)])} out; this build ÷ that one: ${(median(s.samples[name]) / median(other)).toFixed(2)}` });
      }
    }
  }
  if (perSize.length > 1) {
    for (const [index, [name]] of COMMANDS.entries()) {
      const g = out.growth[name];
      row({ scenario: index === 0 ? '3 scale growth' : '', measure: `${name}: ×${g.time_ratio.toFixed(2)} time for ×${g.size_ratio.toFixed(1)} size`, median: null, p95: null, baseline: null, ratio: g.growth, goal: '≤ 1 (linear)', pass: g.growth <= 1 });
    }
  }
}

/** A command's median ÷ node -e 0 as bin/tt starts node (without NODE_EXTRA_CA_CERTS when it is set). */
function dailyRatio(size, name) {
  const bare = size.samples.nodeAsTt.length ? median(size.samples.nodeAsTt) : median(size.samples.node);
  return median(size.samples[name]) / bare;
}

/** A copy of a town beside it (files, history and local state), for the compared tt. */
function copyTown(processes, dir, log) {
  const copy = `${dir}-compared`;
  log(`scale: copying ${dir} for the compared tt`);
  processes.run('cp', ['-a', dir, copy], { cwd: dir });
  return copy;
}
