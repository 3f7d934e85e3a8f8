// Helpers for the scenarios around `tt watch` (5 watch, 6 memory): which
// features the tt under test has, starting a watcher and waiting for it to
// settle, and a hand-written file dropped into an inbox, timed until a commit
// holds it. That file is the scenario's input, written by hand on purpose:
// adopting files that did not come from tt is what `tt watch` is for.

import fs from 'node:fs';
import path from 'node:path';
import { randomToken, readHead } from './repos.mjs';
import { msSince, nowNs, sleep, sleepSync } from './timing.mjs';

/** Whether this tt has `tt watch` and `tt inbox --wait` (older builds in --tt runs may not). */
export function detectFeatures(processes, cwd) {
  const { run, ttCommand } = processes;
  const watch = run(...ttCommand(['watch', '--help']), { cwd, check: false });
  const watchOk = watch.status === 0 && /^\s*tt watch\b/.test(watch.stdout);
  const inbox = run(...ttCommand(['inbox', '--help']), { cwd, check: false });
  const waitOk = inbox.status === 0 && /--wait\b/.test(inbox.stdout);
  return { watch: watchOk, wait: waitOk };
}

/** Drops a hand-written message into an inbox and polls for a commit containing it. Returns ms, or null on timeout. */
export function dropAndWaitForCommit(processes, dir, agent, timeoutMs) {
  const token = `bench${randomToken(10)}`;
  const file = path.join(dir, '.tinytown', 'inbox', agent, `hand-written-${token}.md`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let head = readHead(processes, dir);
  const t0 = nowNs();
  fs.writeFileSync(file, `---\nfrom: conductor\n---\nA hand-written note (${token}): please look at the failing build.\n`);
  for (;;) {
    const current = readHead(processes, dir);
    if (current !== head) {
      const seenMs = msSince(t0);
      const hit = processes.run('git', ['grep', '-l', '-F', token, 'HEAD', '--', `.tinytown/inbox/${agent}`], { cwd: dir, check: false });
      if (hit.status === 0 && hit.stdout.trim()) return seenMs;
      head = current;
    }
    if (msSince(t0) > timeoutMs) return null;
    sleepSync(2);
  }
}

/** CPU clock ticks of a process, its reaped children and its live descendants (git children do the heavy lifting). */
function cpuTicks(pid) {
  let fields;
  try {
    fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  } catch { return null; }
  let ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]); // utime stime cutime cstime
  let children = [];
  try {
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      children.push(...fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
    }
  } catch { children = []; }
  for (const child of children) ticks += cpuTicks(child) ?? 0;
  return ticks;
}

/** Starts `tt watch` and waits until it has settled: its CPU time (children included) stops growing for a second (at most maxMs). */
export async function startWatch(processes, { dir, tmp }, maxMs = 30000) {
  const logFile = path.join(tmp, `watch-${path.basename(dir)}.log`);
  const handle = processes.start(...processes.ttCommand(['watch']), { cwd: dir, logFile });
  handle.logFile = logFile;
  let last = null; let quietSince = nowNs();
  for (;;) {
    await sleep(100);
    if (handle.child.exitCode !== null || handle.child.signalCode !== null) throw new Error(`tt watch exited at once: ${fs.readFileSync(logFile, 'utf8').slice(0, 400)}`);
    const ticks = cpuTicks(handle.child.pid);
    if (ticks === null) { await sleep(400); break; } // no /proc: a fixed pause
    if (ticks !== last) { last = ticks; quietSince = nowNs(); }
    if (msSince(quietSince) >= 1000 || msSince(handle.t0) > maxMs) break;
  }
  handle.settledMs = msSince(handle.t0) - 1000;
  return handle;
}

/** Peak resident memory of a live process, in KiB. */
export function vmHwmKb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
}
