// Starting processes the way an agent does, timed: tt (the command under test),
// git, and `node -e 0`, the floor every node command pays. Every process gets
// the benchmark's isolated environment (see lib/environment.mjs).

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { withoutExtraCaCerts } from '../backlog.mjs';
import { msSince, nowNs } from './timing.mjs';

/**
 * The process helpers for one run. `ttPath` is the tt under test: bin/tt (a sh
 * launcher), or a .js file, which runs with node.
 */
export function createProcesses({ env, ttPath, node = process.execPath }) {
  /** Background processes this run started (watchers, waiters): stopped by pid on the way out. */
  const liveChildren = new Set();

  /** One process, run to the end and timed (wall clock, whole process, output collected as a caller would). */
  function run(cmd, args, { cwd, input, check = true, env: runEnv = env } = {}) {
    const t0 = nowNs();
    const r = spawnSync(cmd, args, { cwd, env: runEnv, input, encoding: 'utf8', maxBuffer: 1 << 30, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const ms = msSince(t0);
    if (r.error) throw r.error;
    if (check && r.status !== 0) {
      throw new Error(`${path.basename(cmd)} ${args.join(' ').slice(0, 200)} (in ${cwd}) exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout || '').trim().slice(0, 600)}`);
    }
    return { ms, status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** How tt is started: the command as installed (bin/tt, a sh launcher), or `node SCRIPT` for a .js given with --tt. */
  const ttCommand = (args) => (ttPath.endsWith('.js') ? [node, [ttPath, ...args]] : [ttPath, [...args]]);
  const caCertsSet = Boolean(env.NODE_EXTRA_CA_CERTS);

  /** Start a process in the background; `done` resolves at 'close' with the 'exit' instant recorded. */
  function start(cmd, args, { cwd, logFile, env: startEnv = env } = {}) {
    const out = logFile ? fs.openSync(logFile, 'a') : 'ignore';
    const t0 = nowNs();
    const child = spawn(cmd, args, { cwd, env: startEnv, stdio: ['ignore', out, out] });
    if (logFile) fs.closeSync(out);
    liveChildren.add(child);
    const done = new Promise((resolve, reject) => {
      let exitNs = null;
      child.on('error', reject);
      child.on('exit', () => { exitNs = nowNs(); });
      child.on('close', (code, signal) => {
        liveChildren.delete(child);
        exitNs ??= nowNs();
        resolve({ code, signal, exitNs, ms: Number(exitNs - t0) / 1e6 });
      });
    });
    return { child, done, t0 };
  }

  async function stop(handle, graceMs = 5000) {
    if (handle.child.exitCode !== null || handle.child.signalCode !== null) return handle.done;
    handle.child.kill('SIGINT');
    const timer = setTimeout(() => { try { handle.child.kill('SIGKILL'); } catch { /* gone */ } }, graceMs);
    const result = await handle.done;
    clearTimeout(timer);
    return result;
  }

  /** Kills what is still running (each child by its own pid), on the way out. */
  function killAll() {
    for (const child of liveChildren) {
      try { child.kill('SIGKILL'); } catch { /* already gone */ }
    }
  }

  return {
    node, ttPath, env, caCertsSet, run, start, stop, killAll, ttCommand,
    git: (cwd, ...args) => run('git', args, { cwd }),
    tt: (cwd, ...args) => run(...ttCommand(args), { cwd }),
    nodeNoop: (cwd) => run(node, ['-e', '0'], { cwd }),
    /**
     * `node -e 0` started the way bin/tt starts node: without NODE_EXTRA_CA_CERTS, whose
     * certificates node 20 otherwise parses at start-up. null when the variable is not set.
     */
    nodeNoopAsTtStarts: (cwd) => (caCertsSet ? run(node, ['-e', '0'], { cwd, env: withoutExtraCaCerts(env) }).ms : null),
  };
}
