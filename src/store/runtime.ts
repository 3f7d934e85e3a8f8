/**
 * An agent's run-time state in the local state folder's agents/ (store/state-dir.ts; never committed: it
 * changes every few seconds and must not flood history): `<name>.json` holds
 * pid, state, rounds, heartbeat and current task; control/<name> is how
 * the CLI tells the loop to stop, close, pause or resume.
 *
 * Every write of either file happens under a small per-agent lock
 * (agent-locks/<name>.lock, store/lock.ts: a dead owner is broken at
 * once), re-reading inside it. Not single-writer files: the state file has
 * honest writers besides the loop — the launcher records the pid before the
 * loop has booted (so a spawn is visible at once), and kill and recover record
 * the end of a loop that can no longer write — and giving each its own file
 * would put merge rules into every reader. With the lock, a reader reads one
 * file (written whole by rename, so never under the lock), and a loop's
 * heartbeat can no longer write back a state that a control changed a moment
 * before. The critical sections are a read, a write and a rename.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { ConflictError } from '../errors.js';
import path from 'node:path';
import type { AgentRunState } from '../core/types.js';
import type { AgentUsage } from '../core/usage.js';
import { acquireLock, isProcessAlive, readLockOwner, type HeldLock } from './lock.js';
import { localStateDir } from './state-dir.js';

export interface AgentRuntime {
  state: AgentRunState;
  pid: number | null;
  rounds: number;
  max_rounds: number | null;
  heartbeat: string | null;
  started: string | null;
  last_activity: string | null;
  current_task: string | null;
  /** Why the loop stopped or failed, in a few words. */
  reason: string | null;
  /**
   * What its CLI reported over every round its loops ran (core/usage.ts), kept
   * across restarts — `rounds` above counts one loop's rounds that acted;
   * null until a round is recorded.
   */
  usage: AgentUsage | null;
}

export type AgentControl = 'stop' | 'close' | 'pause' | 'resume';

const COLD: AgentRuntime = {
  state: 'cold', pid: null, rounds: 0, max_rounds: null, heartbeat: null, started: null,
  last_activity: null, current_task: null, reason: null, usage: null,
};

export const runtimePaths = {
  dir: (root: string) => path.join(localStateDir(root), 'agents'),
  state: (root: string, name: string) => path.join(localStateDir(root), 'agents', `${name}.json`),
  /** Control files live apart from the state files so a loop can watch them without waking on its own heartbeats. */
  controlDir: (root: string) => path.join(localStateDir(root), 'control'),
  control: (root: string, name: string) => path.join(localStateDir(root), 'control', name),
  /** Apart from both folders above, so taking the lock wakes no one watching them. */
  lock: (root: string, name: string) => path.join(localStateDir(root), 'agent-locks', `${name}.lock`),
  log: (root: string, name: string) => path.join(localStateDir(root), 'logs', `${name}.log`),
  prompts: (root: string) => path.join(localStateDir(root), 'prompts'),
  /** The tt and MCP calls of the agent's current round, one JSON line each (agents/round-ledger.ts). */
  roundLedger: (root: string, name: string) => path.join(localStateDir(root), 'rounds', `${name}.jsonl`),
};

export interface ObservedRuntime extends AgentRuntime {
  alive: boolean;
  /** The state the loop last wrote; `state` reads `stopped` when that loop's process is gone. */
  recorded: AgentRunState;
}

/** States a loop ends in: no process is expected behind them. */
export const ENDED: readonly AgentRunState[] = ['stopped', 'cold', 'error', 'stuck'];

export function readAgentRuntime(root: string, name: string): ObservedRuntime {
  let runtime: AgentRuntime;
  try {
    runtime = { ...COLD, ...(JSON.parse(readFileSync(runtimePaths.state(root, name), 'utf8')) as Partial<AgentRuntime>) };
  } catch {
    return { ...COLD, alive: false, recorded: 'cold' };
  }
  const alive = runtime.pid !== null && isProcessAlive(runtime.pid);
  const state = !alive && !ENDED.includes(runtime.state) ? 'stopped' : runtime.state;
  return { ...runtime, state, alive, recorded: runtime.state };
}

/** Live owners hold the lock for a read and a write; this long means something is wrong. */
const AGENT_LOCK_TIMEOUT_MS = 10_000;

/** Runs `change` holding the agent's run-time lock: the only way the state or control file is written. */
export async function withAgentRuntimeLock<T>(root: string, name: string, change: () => T): Promise<T> {
  const file = runtimePaths.lock(root, name);
  mkdirSync(path.dirname(file), { recursive: true });
  let lock: HeldLock;
  try {
    lock = await acquireLock(file, { timeoutMs: AGENT_LOCK_TIMEOUT_MS, command: `run-time state of ${name}` });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const holder = readLockOwner(file);
    throw new ConflictError(`${name}'s run-time state has been locked by pid ${holder?.pid ?? '?'} for over ${AGENT_LOCK_TIMEOUT_MS / 1000} s; if that process is gone, remove ${path.relative(root, file)}`);
  }
  try {
    return change();
  } finally {
    lock.release();
  }
}

function writeRuntimeFile(root: string, name: string, runtime: AgentRuntime): void {
  const file = runtimePaths.state(root, name);
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(runtime, null, 2)}\n`);
  renameSync(temp, file);
}

/** The record as the loop last wrote it (`state` not adjusted for a dead process). */
function readRecorded(root: string, name: string): AgentRuntime {
  const { alive: _alive, recorded, ...observed } = readAgentRuntime(root, name);
  return { ...observed, state: recorded };
}

/** A change to the record: fields to set, or a function of the current record (returning undefined writes nothing). */
export type RuntimeChange = Partial<AgentRuntime> | ((current: AgentRuntime) => Partial<AgentRuntime> | undefined);

/** Read-modify-write under the agent's lock; every write also stamps the heartbeat. */
export function updateAgentRuntime(root: string, name: string, change: RuntimeChange): Promise<AgentRuntime> {
  return withAgentRuntimeLock(root, name, () => {
    const current = readRecorded(root, name);
    const fields = typeof change === 'function' ? change(current) : change;
    if (fields === undefined) return current;
    const next = { ...current, ...fields, heartbeat: new Date().toISOString() };
    writeRuntimeFile(root, name, next);
    return next;
  });
}

export interface StartRecord {
  pid: number;
  /** Null when the launcher does not know it (the loop resolves it from town.yml). */
  max_rounds: number | null;
}

/**
 * Records that a loop with this pid is starting — once. The launcher calls it
 * with the child's pid and the loop with its own, in whichever order they get
 * there: the first writes the `starting` record, the second finds its pid
 * already recorded and only fills in max_rounds, never putting a loop that has
 * moved on (idle, working) back to `starting`.
 */
export function recordStart(root: string, name: string, start: StartRecord): Promise<AgentRuntime> {
  return updateAgentRuntime(root, name, (current) => {
    if (current.pid === start.pid && !ENDED.includes(current.state)) {
      return start.max_rounds !== null && current.max_rounds !== start.max_rounds ? { max_rounds: start.max_rounds } : undefined;
    }
    return {
      state: 'starting', pid: start.pid, rounds: 0, max_rounds: start.max_rounds, started: new Date().toISOString(),
      last_activity: null, current_task: null, reason: null,
    };
  });
}

/** Forgets an agent's run-time state (tt prune). */
export function removeAgentRuntime(root: string, name: string): Promise<void> {
  return withAgentRuntimeLock(root, name, () => {
    rmSync(runtimePaths.state(root, name), { force: true });
    rmSync(runtimePaths.control(root, name), { force: true });
  });
}

function readControlFile(root: string, name: string): AgentControl | undefined {
  try {
    const value = readFileSync(runtimePaths.control(root, name), 'utf8').trim();
    return (['stop', 'close', 'pause', 'resume'] as const).find((control) => control === value);
  } catch {
    return undefined;
  }
}

/** The control waiting for the loop, if any; reading leaves it in place. */
export function readControl(root: string, name: string): AgentControl | undefined {
  return readControlFile(root, name);
}

/**
 * The loop's read of its control: a `resume` is consumed in the same locked
 * step, so a control written just after it (say `close`) is never cleared
 * unseen. The others stay until the loop ends (stop, close) or is resumed (pause).
 */
export function takeControl(root: string, name: string): Promise<AgentControl | undefined> {
  return withAgentRuntimeLock(root, name, () => {
    const control = readControlFile(root, name);
    if (control === 'resume') rmSync(runtimePaths.control(root, name), { force: true });
    return control;
  });
}

export function writeControl(root: string, name: string, control: AgentControl): Promise<void> {
  return withAgentRuntimeLock(root, name, () => {
    mkdirSync(runtimePaths.controlDir(root), { recursive: true });
    const file = runtimePaths.control(root, name);
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, `${control}\n`);
    renameSync(temp, file);
  });
}

export function clearControl(root: string, name: string): Promise<void> {
  return withAgentRuntimeLock(root, name, () => rmSync(runtimePaths.control(root, name), { force: true }));
}
