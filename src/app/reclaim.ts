/**
 * `tt reclaim`: move the open work of agents that are not running — their
 * assigned and running tasks, and with --to their unread messages — to the
 * backlog or to another agent, in one commit. A message is never dropped: one
 * that cannot be rerouted stays where it is, and the result says so.
 */
import { UsageError } from '../errors.js';
import { isoNow } from '../core/ids.js';
import { applyTaskAction } from '../core/transitions.js';
import { CONDUCTOR, type Task } from '../core/types.js';
import { readAgentRuntime } from '../store/runtime.js';
import { formatTask } from '../store/records.js';
import { listInboxOwners, listTasks, listUnread } from '../store/reader.js';
import type { Town } from '../store/town.js';
import { validateAgentName } from '../core/names.js';
import { townPaths } from '../store/paths.js';
import { transact, type CommitOutcome } from './transaction.js';
import { agentNames, resolveAgent } from './agents.js';
import { deliver } from './messages.js';
import { settleLandedTasks, type LandedTask } from './landed-work.js';
import type { OpContext } from './context.js';

export interface ReclaimOptions {
  to?: string | undefined;
  toBacklog?: boolean;
  from?: string | undefined;
  orphanTasks?: boolean;
  cancel?: boolean;
}

export interface ReclaimResult {
  from: string[];
  tasks: Array<{ id: string; from: string | null; to: string | null; state: string }>;
  forwarded: Array<{ id: string; from: string; to: string }>;
  leftInPlace: Array<{ agent: string; count: number }>;
  /** Tasks whose work was already in the town's branch: closed as landed instead of moved. */
  landed: LandedTask[];
  commit: CommitOutcome;
}

function reroute(task: Task, to: string | null, cancel: boolean, now: string): Task {
  if (cancel) return applyTaskAction(task, { kind: 'cancel' }, now);
  // Reclaimed work starts over: it goes back to assigned (or pending in the backlog), never half-running.
  return { ...task, state: to ? 'assigned' : 'pending', assignee: to, updated: now, started: null };
}

/**
 * `--from`: an agent, or one that was pruned but still holds work (tasks
 * assigned to it, mail in its inbox folder): its work must stay reachable.
 */
function formerOrCurrentAgent(town: Town, input: string): string {
  try {
    return resolveAgent(town, input);
  } catch (error) {
    const name = validateAgentName(input);
    const holdsWork = listInboxOwners(town.root).includes(name) || listTasks(town.root).items.some((task) => task.assignee === name);
    if (!holdsWork) throw error;
    return name;
  }
}

/** What an agent still holds: its open tasks and unread messages (tt prune refuses to drop them silently). */
export function openWorkOf(town: Town, name: string): { tasks: string[]; unread: number } {
  const tasks = listTasks(town.root).items.filter((task) => task.assignee === name && ['assigned', 'running', 'review'].includes(task.state)).map((task) => task.id);
  return { tasks, unread: listUnread(town.root, name).items.length };
}

export async function reclaimWork(ctx: OpContext, options: ReclaimOptions): Promise<ReclaimResult> {
  const { town } = ctx;
  if (!options.to && !options.toBacklog && !(options.orphanTasks && options.cancel)) {
    throw new UsageError('say where the work goes: --to AGENT or --to-backlog (or --orphan-tasks --cancel)');
  }
  if (options.to && options.toBacklog) throw new UsageError('--to and --to-backlog exclude each other');
  const target = options.to ? resolveAgent(town, options.to) : null;
  const known = new Set(agentNames(town));
  const stopped = (name: string) => !readAgentRuntime(town.root, name).alive;
  const sources = options.from
    ? [formerOrCurrentAgent(town, options.from)]
    : [...known].filter((name) => name !== CONDUCTOR && name !== target && stopped(name) && readAgentRuntime(town.root, name).state !== 'cold');
  for (const source of sources) {
    if (!stopped(source)) throw new UsageError(`${source} is running; tt kill ${source} first`);
  }
  // Work that already landed is closed as landed, never handed out a second time (landed-work.ts).
  const landed = await settleLandedTasks(ctx, sources);
  const result: Omit<ReclaimResult, 'commit'> = { from: sources, tasks: [], forwarded: [], leftInPlace: [], landed };
  const { commit } = await transact(town, (writer) => {
    const now = isoNow(ctx.now());
    const tasks = listTasks(town.root).items.filter((task) => task.state === 'assigned' || task.state === 'running');
    // With only --orphan-tasks --cancel, the agents' own work stays where it is.
    const movesAgentsWork = target !== null || options.toBacklog === true;
    const chosen = tasks.filter((task) => task.assignee !== null
      && ((movesAgentsWork && sources.includes(task.assignee)) || (options.orphanTasks === true && !known.has(task.assignee))));
    for (const task of chosen) {
      const next = reroute(task, target, Boolean(options.cancel) && !known.has(task.assignee ?? ''), now);
      writer.write(townPaths.task(task.id), formatTask(next));
      result.tasks.push({ id: task.id, from: task.assignee, to: next.assignee, state: next.state });
    }
    const notices = target && chosen.length > 0 ? deliver(writer, {
      from: ctx.actor, type: 'task_assign',
      body: `Reclaimed from ${[...new Set(chosen.map((t) => t.assignee))].join(', ')}:\n\n${chosen.map((t) => `- ${t.id} ${t.title}`).join('\n')}\n`,
    }, [target], ctx.now()) : [];
    for (const source of movesAgentsWork ? sources : []) {
      const unread = listUnread(town.root, source).items;
      if (unread.length === 0) continue;
      if (!target) {
        result.leftInPlace.push({ agent: source, count: unread.length });
        continue;
      }
      for (const message of unread) {
        const [copy] = deliver(writer, {
          from: message.from, type: message.type, task: message.task, urgent: message.urgent, replyTo: message.id, kind: message.kind,
          body: `(forwarded by tt reclaim from ${source}'s inbox, message ${message.id})\n\n${message.body}`,
        }, [target], ctx.now());
        // The original is kept, as read, in its owner's inbox: history shows where it went.
        writer.move(townPaths.unread(source, message.id), townPaths.read(source, message.id));
        result.forwarded.push({ id: copy!.id, from: source, to: target });
      }
    }
    return {
      result: undefined,
      change: {
        action: 'reclaim', agent: ctx.actor,
        summary: `${result.tasks.length} task(s) and ${result.forwarded.length} message(s) to ${target ?? (options.cancel ? 'cancelled' : 'the backlog')}`,
        messages: [...notices.map((m) => m.id), ...result.forwarded.map((f) => f.id)],
      },
    };
  });
  return { ...result, commit };
}
