/** Starting an agent's loop as a detached background process that survives the terminal closing. */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { ttInvocation } from '../tt-invocation.js';
import { runtimePaths, updateAgentRuntime, clearControl } from '../store/runtime.js';

export interface LaunchOptions {
  root: string;
  name: string;
  maxRounds?: number | undefined;
  env?: NodeJS.ProcessEnv;
}

export function launchAgentLoop({ root, name, maxRounds, env = process.env }: LaunchOptions): number {
  const logFile = runtimePaths.log(root, name);
  mkdirSync(path.dirname(logFile), { recursive: true });
  clearControl(root, name);
  const log = openSync(logFile, 'a');
  const loop = ttInvocation(['loop', name, '--town', root, ...(maxRounds !== undefined ? ['--max-rounds', String(maxRounds)] : [])], { ...env, TINYTOWN_AGENT: name });
  // detached: its own process group, so closing the terminal does not end it and kill can end its CLI too.
  const child = spawn(loop.command, loop.args, { cwd: root, detached: true, stdio: ['ignore', log, log], env: loop.env });
  closeSync(log);
  child.unref();
  const pid = child.pid ?? 0;
  updateAgentRuntime(root, name, { state: 'starting', pid, rounds: 0, max_rounds: maxRounds ?? null, started: new Date().toISOString(), reason: null });
  return pid;
}
