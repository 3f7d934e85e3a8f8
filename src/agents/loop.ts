/**
 * An agent's loop (DESIGN §5). Each round: honour stop/close/max rounds, sleep
 * while paused, take urgent messages then the rest, build the prompt, run the
 * agent's CLI, and mark the messages read only when the CLI succeeded and the
 * round made progress (DESIGN §7: its round ledger shows a tt call that
 * succeeded, or it was shown nothing that asked for action). Between rounds it
 * sleeps on a watch of its inbox and its control file. A loop that gives up —
 * `error` after failed rounds, `stuck` after rounds without progress — tells
 * the conductor.
 *
 * Each round's usage — what the CLI reported of its tokens and cost, or just
 * that it ran — is added to the task the round worked on (a `usage` commit)
 * and to the agent's run-time totals, whether the round succeeded or not:
 * a failed round was paid for too.
 *
 * Its run-time state goes through store/runtime.ts, under the agent's lock:
 * the heartbeat timer, this loop and the CLI's controls may write at the same
 * moment, and none of them loses the others' fields.
 */
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Agent } from '../core/types.js';
import { listAgents, listUnread } from '../store/reader.js';
import { townPaths } from '../store/paths.js';
import { openTown, type Town } from '../store/town.js';
import { markRead } from '../app/messages.js';
import { currentTask, updateTask } from '../app/tasks.js';
import { recordTaskUsage } from '../app/task-usage.js';
import type { RoundUsage } from '../core/cli-output.js';
import { addToAgentUsage, describeUsage } from '../core/usage.js';
import type { Message } from '../core/types.js';
import { agentWorkspace } from '../app/worktrees.js';
import type { OpContext } from '../app/context.js';
import { NotFoundError } from '../errors.js';
import { agentCommand } from './cli-command.js';
import { buildPrompt } from './prompt.js';
import { runAgentCli } from './run-cli.js';
import { clearControl, readAgentRuntime, readControl, recordStart, runtimePaths, takeControl, updateAgentRuntime, type RuntimeChange } from '../store/runtime.js';
import { waitUntil } from './wait-for-change.js';
import { beginRoundLedger, readRoundLedger } from './round-ledger.js';
import { judgeRound, MAX_ROUNDS_WITHOUT_PROGRESS } from './round-progress.js';
import { reportStop } from './report-to-conductor.js';

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

/** The inbox's file names: what the loop compares to know that mail came while it slept. */
function inboxSnapshot(root: string, name: string): string {
  try {
    return readdirSync(path.join(root, townPaths.inbox(name))).filter((file) => file.endsWith('.md')).sort().join('/');
  } catch {
    return '';
  }
}

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
  // `starting` is written once: by the launcher (tt spawn / restart) or, run in the foreground or first there, here.
  await recordStart(root, name, { pid: process.pid, max_rounds: maxRounds });
  const record = (change: RuntimeChange) => updateAgentRuntime(root, name, change);
  let child: ChildProcess | undefined;
  let stopping = false;
  const woken = new AbortController();
  const onSignal = () => {
    stopping = true;
    woken.abort();
    child?.kill('SIGTERM');
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const heartbeat = setInterval(() => {
    record({}).catch(() => { /* the next beat tries again */ });
  }, HEARTBEAT_MS);
  const stop = async (state: 'stopped' | 'error' | 'stuck', reason: string) => {
    await record({ state, reason, current_task: null });
    return reason;
  };
  const log = (line: string) => {
    try {
      appendFileSync(runtimePaths.log(root, name), `${line}\n`);
    } catch {
      // the state file still says why
    }
  };
  /** Gives up in `error` or `stuck`: the conductor is told first, then the state is written. */
  const giveUp = async (state: 'error' | 'stuck', reason: string) => {
    log(`=== ${state}: ${reason}`);
    await reportStop({ town: openTown({ cwd: root, env: {} }), actor: name, now: () => new Date() }, state, reason, log);
    return await stop(state, reason);
  };
  const watched = [path.join(root, townPaths.inbox(name)), runtimePaths.controlDir(root)];
  /** Sleeps until mail comes (the inbox differs from `inbox`), a control is written, or a signal; false when the time ran out. */
  const sleepUntilWoken = async (inbox: string, timeoutMs: number) => {
    const woke = await waitUntil(
      watched,
      () => stopping || readControl(root, name) !== undefined || inboxSnapshot(root, name) !== inbox,
      { timeoutMs, signal: woken.signal },
    );
    return woke !== undefined || stopping;
  };
  // Rounds count from 1 in each run of the loop: a restart says so in the log, so its "round 1" is not mistaken for a repeat.
  log(`\n=== ${new Date().toISOString()} loop started (pid ${process.pid}, at most ${maxRounds} rounds)${recorded.rounds ? `; the previous run did ${recorded.rounds} round(s)` : ''}`);
  let rounds = 0;
  let failures = 0;
  let stalled = 0;
  let attempts = 0;
  try {
    for (;;) {
      const control = await takeControl(root, name);
      if (stopping || control === 'stop') return await stop('stopped', 'stopped by tt kill / tt stop');
      if (control === 'pause') {
        await record({ state: 'paused' });
        await waitUntil([runtimePaths.controlDir(root)], () => stopping || readControl(root, name) !== 'pause', { timeoutMs: Infinity, signal: woken.signal });
        continue;
      }
      if (rounds >= maxRounds) return await stop('stopped', `reached max rounds (${maxRounds})`);
      town = openTown({ cwd: root, env: {} });
      // Taken before the messages are listed: mail that lands after it wakes the sleep below.
      const inbox = inboxSnapshot(root, name);
      const messages = listUnread(root, name).items;
      if (messages.length === 0) {
        if (control === 'close') return await stop('stopped', 'closed');
        await record({ state: 'idle' });
        if (!(await sleepUntilWoken(inbox, town.config.agent.idle_timeout_s * 1000))) {
          await record({ state: 'draining' });
          return await stop('stopped', `idle for ${town.config.agent.idle_timeout_s} s`);
        }
        continue;
      }
      const agent = readAgent(town, name);
      const task = currentTask(town, name);
      await record({ state: 'working', last_activity: new Date().toISOString(), current_task: task?.id ?? null });
      const token = beginRoundLedger(root, name, ++attempts);
      // In a worktree of its own, the CLI runs there, with the shared town and tt's reservation hook (app/worktrees.ts).
      const workspace = agent.worktree ? await agentWorkspace(town, name, env) : undefined;
      const outcome = await runAgentCli({
        root, agent: name, round: rounds + 1, env, token, cwd: workspace?.cwd, extraEnv: workspace?.env,
        command: agentCommand(town.config, agent.cli, { mcp: agent.mcp }),
        prompt: buildPrompt({ town: town.config.name, agent, round: rounds + 1, task, messages }),
        onStart: (started) => {
          child = started;
        },
      });
      child = undefined;
      const ctx: OpContext = { town, actor: name, now: () => new Date() };
      await recordRoundUsage(ctx, roundTaskId(ctx, task?.id, messages), outcome.usage, log);
      const verdict = outcome.ok ? judgeRound(readRoundLedger(root, name, token), messages) : undefined;
      if (verdict?.progress) {
        // Only what this round was shown, and only now that the CLI succeeded and acted.
        await markRead(ctx, name, messages.map((message) => message.id));
        rounds++;
        failures = 0;
        stalled = 0;
        await record({ rounds, last_activity: new Date().toISOString() });
      } else if (verdict) {
        // Exited 0 but moved nothing: the messages stay unread for the next round, which gets them again.
        stalled++;
        const reason = `no progress: ${verdict.reason}`;
        log(`=== round ${rounds + 1} made ${reason}; its ${messages.length} message(s) stay unread`);
        await record({ reason });
        if (stopping) continue;
        if (stalled >= MAX_ROUNDS_WITHOUT_PROGRESS) return await giveUp('stuck', `${stalled} rounds in a row without progress (last: ${verdict.reason})`);
        await sleepUntilWoken(inbox, 1000 * 2 ** stalled);
      } else {
        failures++;
        await releaseRunningTask(ctx);
        await record({ reason: `round failed: ${outcome.error ?? `exit ${outcome.exitCode}`}` });
        if (stopping) continue;
        if (failures >= MAX_CONSECUTIVE_FAILURES) return await giveUp('error', `${failures} failed rounds in a row (see ${path.relative(root, runtimePaths.log(root, name))})`);
        // Back off before retrying, but wake at once for a new message or a control.
        await sleepUntilWoken(inbox, 1000 * 2 ** failures);
      }
      if (readControl(root, name) === 'close') return await stop('stopped', 'closed after its round');
    }
  } finally {
    clearInterval(heartbeat);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await clearControl(root, name);
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

/**
 * The task a round worked on: the agent's task when the round began, else the
 * one it has now (claimed during the round), else the first its messages name
 * (a reviewer's review request).
 */
function roundTaskId(ctx: OpContext, before: string | undefined, messages: readonly Message[]): string | undefined {
  return before ?? currentTask(ctx.town, ctx.actor)?.id ?? messages.find((message) => message.task !== null)?.task ?? undefined;
}

/** Adds the round to the agent's totals and its task's; a failure here is logged, never the end of the loop. */
async function recordRoundUsage(ctx: OpContext, taskId: string | undefined, usage: RoundUsage | null, log: (line: string) => void): Promise<void> {
  try {
    const runtime = await updateAgentRuntime(ctx.town.root, ctx.actor, (current) => ({ usage: addToAgentUsage(current.usage, usage) }));
    if (usage) log(`=== usage: this round ${describeUsage({ rounds: 1, ...usage })}; ${ctx.actor} in all ${describeUsage(runtime.usage!)}`);
  } catch (error) {
    log(`=== could not record the round's usage for ${ctx.actor}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!taskId) return;
  try {
    await recordTaskUsage(ctx, taskId, usage);
  } catch (error) {
    log(`=== could not record the round's usage on ${taskId}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
