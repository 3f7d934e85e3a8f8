/** Starting an agent's loop as a detached background process that survives the terminal closing. */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { ttInvocation } from '../tt-invocation.js';
import { clearControl, recordStart, runtimePaths } from '../store/runtime.js';
import { ROUND_ENV } from './round-ledger.js';

export interface LaunchOptions {
  root: string;
  name: string;
  maxRounds?: number | undefined;
  env?: NodeJS.ProcessEnv;
}

/**
 * A loop writes to its log for as long as it runs, so a log can only be cut
 * when a loop starts: past this size it becomes <name>.log.1 (replacing the
 * one before) and the new loop starts a new log.
 */
export const LOG_ROTATE_BYTES = 8 * 1024 * 1024;

function rotateLog(logFile: string): void {
  const size = statSync(logFile, { throwIfNoEntry: false })?.size ?? 0;
  if (size > LOG_ROTATE_BYTES) renameSync(logFile, `${logFile}.1`);
}

export async function launchAgentLoop({ root, name, maxRounds, env = process.env }: LaunchOptions): Promise<number> {
  const logFile = runtimePaths.log(root, name);
  mkdirSync(path.dirname(logFile), { recursive: true });
  await clearControl(root, name);
  rotateLog(logFile);
  const log = openSync(logFile, 'a');
  // A loop started from inside another agent's round is not part of that round: its calls are not that round's.
  const { [ROUND_ENV]: _round, ...loopEnv } = env;
  const loop = ttInvocation(['loop', name, '--town', root, ...(maxRounds !== undefined ? ['--max-rounds', String(maxRounds)] : [])], { ...loopEnv, TINYTOWN_AGENT: name });
  // detached: its own process group, so closing the terminal does not end it and kill can end its CLI too.
  const child = spawn(loop.command, loop.args, { cwd: root, detached: true, stdio: ['ignore', log, log], env: loop.env });
  closeSync(log);
  child.unref();
  const pid = child.pid ?? 0;
  // Recorded now, so the agent shows as starting at once; if the loop got there first, this changes nothing.
  if (pid > 0) await recordStart(root, name, { pid, max_rounds: maxRounds ?? null });
  return pid;
}
