/**
 * An agent's run-time state under .tinytown/run/agents/ (never committed: it
 * changes every few seconds and must not flood history): `<name>.json` is
 * written by the agent's loop; run/control/<name> is how the CLI tells the loop
 * to stop, close, pause or resume.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AgentRunState } from '../core/types.js';
import { isProcessAlive } from './lock.js';
import { townPaths } from './paths.js';

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
}

export type AgentControl = 'stop' | 'close' | 'pause' | 'resume';

const COLD: AgentRuntime = {
  state: 'cold', pid: null, rounds: 0, max_rounds: null, heartbeat: null, started: null,
  last_activity: null, current_task: null, reason: null,
};

export const runtimePaths = {
  dir: (root: string) => path.join(root, townPaths.runDir, 'agents'),
  state: (root: string, name: string) => path.join(root, townPaths.runDir, 'agents', `${name}.json`),
  /** Control files live apart from the state files so a loop can watch them without waking on its own heartbeats. */
  controlDir: (root: string) => path.join(root, townPaths.runDir, 'control'),
  control: (root: string, name: string) => path.join(root, townPaths.runDir, 'control', name),
  log: (root: string, name: string) => path.join(root, townPaths.runDir, 'logs', `${name}.log`),
  prompts: (root: string) => path.join(root, townPaths.runDir, 'prompts'),
};

export interface ObservedRuntime extends AgentRuntime {
  alive: boolean;
  /** The state the loop last wrote; `state` reads `stopped` when that loop's process is gone. */
  recorded: AgentRunState;
}

const ENDED: readonly AgentRunState[] = ['stopped', 'cold', 'error'];

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

export function writeAgentRuntime(root: string, name: string, runtime: AgentRuntime): void {
  const file = runtimePaths.state(root, name);
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(runtime, null, 2)}\n`);
  renameSync(temp, file);
}

export function updateAgentRuntime(root: string, name: string, change: Partial<AgentRuntime>): AgentRuntime {
  const { alive: _alive, recorded, ...observed } = readAgentRuntime(root, name);
  const current: AgentRuntime = { ...observed, state: recorded };
  const next = { ...current, ...change, heartbeat: new Date().toISOString() };
  writeAgentRuntime(root, name, next);
  return next;
}

export function readControl(root: string, name: string): AgentControl | undefined {
  try {
    const value = readFileSync(runtimePaths.control(root, name), 'utf8').trim();
    return (['stop', 'close', 'pause', 'resume'] as const).find((control) => control === value);
  } catch {
    return undefined;
  }
}

export function writeControl(root: string, name: string, control: AgentControl): void {
  mkdirSync(runtimePaths.controlDir(root), { recursive: true });
  writeFileSync(runtimePaths.control(root, name), `${control}\n`);
}

export function clearControl(root: string, name: string): void {
  rmSync(runtimePaths.control(root, name), { force: true });
}
