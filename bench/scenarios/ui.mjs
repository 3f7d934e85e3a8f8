// Scenario 7: the board (`tt ui`) in the largest town; the measuring is in bench/board.mjs.

import { measureBoard } from '../board.mjs';
import { fmtMs } from '../lib/report.mjs';
import { median, p95 } from '../lib/stats.mjs';

const FIRST_VIEW_GOAL_MS = 2000;
const LIVE_GOAL_MS = 1000;
const RSS_GOAL_MB = 150;

export async function scenarioUi(ctx) {
  const { config, log, processes, towns, report, root } = ctx;
  const { row } = report;
  const largest = config.scale.length - 1;
  const { dir } = await towns.getScaleTown(largest);
  const size = config.scale[largest];
  log(`ui: tt ui on ${size.tasks} tasks / ${size.messages} messages, ${config.uiRuns} fresh servers`);
  const s = await measureBoard({ root, ttCommand: processes.ttCommand, dir, env: processes.env, runs: config.uiRuns, log });
  const label = `7 ui ${size.tasks / 1000}k/${size.messages / 1000}k`;
  const startToView = median(s.startToFirstView);
  const browser = s.browser.length ? median(s.browser) : null;
  report.results.scenarios.ui = {
    description: `tt ui at ${size.tasks} tasks / ${size.messages} messages: each round a fresh server; the first view is every request the page makes at load (/, app.js, style.css, /api/board, /api/history)`,
    start_to_url_ms: s.start, first_view_ms: s.firstView, start_to_first_view_ms: s.startToFirstView, refresh_ms: s.refresh,
    live_after_send_exit_ms: s.live, live_after_send_start_ms: s.liveFromStart, browser_first_view_ms: s.browser, peak_rss_mb: s.rss, first_view_bytes: s.bytes,
    goals: { start_to_first_view_ms: FIRST_VIEW_GOAL_MS, live_ms: LIVE_GOAL_MS },
  };
  row({ scenario: label, measure: 'tt ui start → URL printed (town read)', median: median(s.start), p95: null, baseline: null, ratio: null, goal: '', pass: null });
  row({ scenario: '', measure: `first view: all the page loads (${(s.bytes / 1024).toFixed(0)} kB)`, median: median(s.firstView), p95: null, baseline: null, ratio: null, goal: '', pass: null });
  row({ scenario: '', measure: 'start → first view loaded', median: startToView, p95: null, baseline: null, ratio: null, goal: `≤ ${FIRST_VIEW_GOAL_MS} ms`, pass: startToView <= FIRST_VIEW_GOAL_MS });
  if (browser !== null) row({ scenario: '', measure: 'Chromium: navigate → board rendered', median: browser, p95: null, baseline: null, ratio: null, goal: `≤ ${FIRST_VIEW_GOAL_MS} ms`, pass: browser <= FIRST_VIEW_GOAL_MS });
  row({ scenario: '', measure: 'a later refresh of the same view', median: median(s.refresh), p95: p95(s.refresh), baseline: null, ratio: null, goal: '', pass: null });
  row({ scenario: '', measure: 'tt send started → the page told (event stream)', median: median(s.liveFromStart), p95: null, baseline: null, ratio: null, goal: `≤ ${LIVE_GOAL_MS} ms`, pass: median(s.liveFromStart) <= LIVE_GOAL_MS,
    note: `relative to tt send's exit: ${fmtMs(median(s.live))} (the page hears the file before the commit is done)` });
  row({ scenario: '', measure: 'tt ui peak RSS', median: null, p95: null, baseline: null, ratio: null, goal: `≤ ${RSS_GOAL_MB} MB`, pass: Math.max(...s.rss) <= RSS_GOAL_MB, note: `${Math.max(...s.rss).toFixed(0)} MB` });
}
