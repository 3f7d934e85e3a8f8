/**
 * An agent's loop (DESIGN §5). Each round: honour stop/close/max rounds, sleep
 * while paused, take urgent messages then the rest, build the prompt, run the
 * agent's CLI, and mark the messages read only when the CLI succeeded. Between
 * rounds it sleeps on a watch of its inbox and its control file.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Agent } from '../core/types.js';
import { listAgents, listUnread } from '../store/reader.js';
import { townPaths } from '../store/paths.js';
import { openTown, type Town } from '../store/town.js';
import { markRead } from '../app/messages.js';
import { currentTask, updateTask } from '../app/tasks.js';
import type { OpContext } from '../app/context.js';
import { NotFoundError } from '../errors.js';
import { agentCommand } from './cli-command.js';
import { buildPrompt } from './prompt.js';
import { runAgentCli } from './run-cli.js';
import { clearControl, readAgentRuntime, readControl, runtimePaths, updateAgentRuntime } from '../store/runtime.js';
import { waitForChange } from './wait-for-change.js';

export interface LoopOptions {
  root: string;
  name: string;
  env?: NodeJS.ProcessEnv;
  /** Overrides town.yml agent.max_rounds and the value recorded by spawn/restart. */
  maxRounds?: number | undefined;
}

const HEARTBEAT_MS = 5_000;
/** After this many failed rounds in a row the loop stops in `error` rather than retrying forever. */
const MAX_CONSECUTIVE_FAILURES = 3;

function readAgent(town: Town, name: string): Agent {
  const agent = listAgents(town.root).items.find((item) => item.name === name);
  if (!agent) throw new NotFoundError(`agent "${name}" is not registered (tt spawn ${name})`);
  return agent;
}

/** Runs until stopped; returns why it stopped. */
export async function runAgentLoop(options: LoopOptions): Promise<string> {
  const { root, name } = options;
  const env = options.env ?? process.env;
  let town = openTown({ cwd: root, env: {} });
  const recorded = readAgentRuntime(root, name);
  const maxRounds = options.maxRounds ?? recorded.max_rounds ?? town.config.agent.max_rounds;
  updateAgentRuntime(root, name, {
    state: 'starting', pid: process.pid, rounds: 0, max_rounds: maxRounds, started: new Date().toISOString(),
    reason: null, current_task: null,
  });
  let child: ChildProcess | undefined;
  let stopping = false;
  const onSignal = () => {
    stopping = true;
    child?.kill('SIGTERM');
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const heartbeat = setInterval(() => updateAgentRuntime(root, name, {}), HEARTBEAT_MS);
  const stop = (state: 'stopped' | 'error', reason: string) => {
    updateAgentRuntime(root, name, { state, reason, current_task: null });
    return reason;
  };
  const watched = [path.join(root, townPaths.inbox(name)), runtimePaths.controlDir(root)];
  let rounds = 0;
  let failures = 0;
  try {
    for (;;) {
      const control = readControl(root, name);
      if (stopping || control === 'stop') return stop('stopped', 'stopped by tt kill / tt stop');
      if (control === 'pause') {
        updateAgentRuntime(root, name, { state: 'paused' });
        await waitForChange([runtimePaths.controlDir(root)], Infinity);
        continue;
      }
      if (control === 'resume') clearControl(root, name);
      if (rounds >= maxRounds) return stop('stopped', `reached max rounds (${maxRounds})`);
      town = openTown({ cwd: root, env: {} });
      const messages = listUnread(root, name).items;
      if (messages.length === 0) {
        if (control === 'close') return stop('stopped', 'closed');
        updateAgentRuntime(root, name, { state: 'idle' });
        const changed = await waitForChange(watched, town.config.agent.idle_timeout_s * 1000);
        if (!changed) {
          updateAgentRuntime(root, name, { state: 'draining' });
          return stop('stopped', `idle for ${town.config.agent.idle_timeout_s} s`);
        }
        continue;
      }
      const agent = readAgent(town, name);
      const task = currentTask(town, name);
      updateAgentRuntime(root, name, { state: 'working', last_activity: new Date().toISOString(), current_task: task?.id ?? null });
      const outcome = await runAgentCli({
        root, agent: name, round: rounds + 1, env,
        command: agentCommand(town.config, agent.cli),
        prompt: buildPrompt({ town: town.config.name, agent, round: rounds + 1, task, messages }),
        onStart: (started) => {
          child = started;
        },
      });
      child = undefined;
      const ctx: OpContext = { town, actor: name, now: () => new Date() };
      if (outcome.ok) {
        // Only what this round was shown, and only now that the CLI succeeded.
        await markRead(ctx, name, messages.map((message) => message.id));
        rounds++;
        failures = 0;
        updateAgentRuntime(root, name, { rounds, last_activity: new Date().toISOString() });
      } else {
        failures++;
        await releaseRunningTask(ctx);
        updateAgentRuntime(root, name, { reason: `round failed: ${outcome.error ?? `exit ${outcome.exitCode}`}` });
        if (stopping) continue;
        if (failures >= MAX_CONSECUTIVE_FAILURES) return stop('error', `${failures} failed rounds in a row (see ${path.relative(root, runtimePaths.log(root, name))})`);
        // Back off before retrying, but wake at once for a new message or a control.
        await waitForChange(watched, 1000 * 2 ** failures);
      }
      if (readControl(root, name) === 'close') return stop('stopped', 'closed after its round');
    }
  } finally {
    clearInterval(heartbeat);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    clearControl(root, name);
  }
}

/** A failed round leaves its messages unread and hands the running task back (assigned) for the next try. */
async function releaseRunningTask(ctx: OpContext): Promise<void> {
  const task = currentTask(ctx.town, ctx.actor);
  if (task?.state !== 'running') return;
  await updateTask(ctx, task.id, {
    action: { kind: 'release' },
    summary: (t) => `${t.id} back to assigned after a failed round: ${t.title}`,
  });
}
