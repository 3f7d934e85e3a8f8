// The board (`tt ui`) at scale, for bench/run.mjs: how long from starting the
// server until a page has everything its first view asks for, how long a later
// refresh takes, how soon a change made by `tt send` reaches an open page's
// event stream, and the server's peak memory. With Debian's Chromium present
// (/usr/bin/chromium) it also times a real browser from navigation to a
// rendered board.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** What the page loads for its first view (src/ui/client/app.ts). */
const FIRST_VIEW = ['/', '/app.js', '/style.css', '/api/board?per=25', '/api/history?limit=30'];
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const msSince = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

/** Starts `tt ui --port 0 --json` and resolves once it printed its URL. */
function startBoard({ ttCommand, dir, env }) {
  const t0 = process.hrtime.bigint();
  const child = spawn(...ttCommand(['ui', '--port', '0', '--json']), { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`tt ui exited (${code}): ${stderr.trim().slice(0, 300)}`)));
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (!stdout.includes('\n')) return;
      const { url } = JSON.parse(stdout.split('\n')[0]);
      resolve({ child, url, origin: new URL(url).origin, startMs: msSince(t0), t0 });
    });
  });
}

async function stopBoard(board) {
  if (board.child.exitCode !== null) return;
  const exited = new Promise((resolve) => board.child.once('exit', resolve));
  board.child.kill('SIGTERM');
  await exited;
}

async function firstView(origin) {
  const t0 = process.hrtime.bigint();
  const bytes = await Promise.all(FIRST_VIEW.map(async (route) => {
    const response = await fetch(origin + route);
    if (!response.ok) throw new Error(`GET ${route}: ${response.status}`);
    return (await response.arrayBuffer()).byteLength;
  }));
  return { ms: msSince(t0), bytes: bytes.reduce((a, b) => a + b, 0) };
}

function peakRssMb(pid) {
  const match = /VmHWM:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : null;
}

/**
 * Listens to the board's event stream: `ready` once the server said hello,
 * `heard` with the instant of the first change notice after that.
 */
function listenForChange(origin, signal) {
  let armed;
  const ready = new Promise((resolve) => { armed = resolve; });
  const heard = fetch(`${origin}/api/events`, { signal }).then(async (response) => {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk, { stream: true });
      if (/^event: hello$/m.test(buffer)) armed();
      if (/^event: change$/m.test(buffer)) return process.hrtime.bigint();
    }
    throw new Error('the event stream ended before a change was heard');
  });
  return { ready, heard };
}

async function browserFirstView(root, url) {
  if (!fs.existsSync(CHROMIUM)) return null;
  const { chromium } = await import(pathToFileURL(path.join(root, 'node_modules', 'playwright-core', 'index.mjs')).href);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const t0 = process.hrtime.bigint();
    await page.goto(url);
    await page.locator('[data-column="completed"] .card').first().waitFor({ timeout: 30_000 });
    return msSince(t0);
  } finally {
    await browser.close();
  }
}

/**
 * Runs `runs` rounds in the town at `dir`, each with a fresh server:
 * start → URL, the first view, 5 refreshes, one tt send heard on the event
 * stream (timed from the send's start, and from its exit: the page hears the
 * message file before tt's commit of it is done).
 */
export async function measureBoard({ root, ttCommand, dir, env, runs, log }) {
  const samples = { start: [], firstView: [], startToFirstView: [], refresh: [], live: [], liveFromStart: [], rss: [], browser: [], bytes: 0 };
  for (let round = 0; round < runs; round++) {
    const board = await startBoard({ ttCommand, dir, env });
    try {
      const view = await firstView(board.origin);
      samples.start.push(board.startMs);
      samples.firstView.push(view.ms);
      samples.startToFirstView.push(msSince(board.t0));
      samples.bytes = view.bytes;
      for (let i = 0; i < 5; i++) samples.refresh.push((await firstView(board.origin)).ms);
      const abort = new AbortController();
      const { ready, heard } = listenForChange(board.origin, abort.signal);
      await ready;
      const sendStarted = process.hrtime.bigint();
      const sent = await new Promise((resolve, reject) => {
        const child = spawn(...ttCommand(['send', 'backend', `board bench ${round}`]), { cwd: dir, env, stdio: 'ignore' });
        child.once('error', reject);
        child.once('exit', (code) => (code === 0 ? resolve(process.hrtime.bigint()) : reject(new Error(`tt send exited ${code}`))));
      });
      const heardAt = await heard;
      samples.live.push(Number(heardAt - sent) / 1e6);
      samples.liveFromStart.push(Number(heardAt - sendStarted) / 1e6);
      abort.abort();
      if (round === 0) {
        const browserMs = await browserFirstView(root, board.url);
        if (browserMs !== null) samples.browser.push(browserMs);
      }
      samples.rss.push(peakRssMb(board.child.pid));
      log(`ui: round ${round + 1}/${runs}: start ${board.startMs.toFixed(0)} ms, first view ${view.ms.toFixed(0)} ms, live ${samples.live.at(-1).toFixed(0)} ms`);
    } finally {
      await stopBoard(board);
    }
  }
  return samples;
}
