/**
 * A round's usage on the task it worked on (DESIGN §7): the loop calls this
 * when its agent's CLI has exited, and it commits the task's new `usage`
 * totals with action `usage` — the round's own tt calls were committed
 * before the loop could know what the round cost. Read-modify-write inside
 * the town lock like every task change, so it never loses a field an agent's
 * call wrote a moment before; it is not a transition, so it works on a task
 * in any state (a reviewer's round ends after its approval).
 */
import type { RoundUsage } from '../core/cli-output.js';
import { isoNow } from '../core/ids.js';
import { addToTaskUsage, describeUsage } from '../core/usage.js';
import { formatTask } from '../store/records.js';
import { readTask } from '../store/reader.js';
import { townPaths } from '../store/paths.js';
import { transact } from './transaction.js';
import type { OpContext } from './context.js';
import type { TaskResult } from './tasks.js';

export async function recordTaskUsage(ctx: OpContext, id: string, round: RoundUsage | null): Promise<TaskResult> {
  const { result, commit } = await transact(ctx.town, (writer) => {
    const before = readTask(ctx.town.root, id);
    const usage = addToTaskUsage(before.usage, round);
    const after = { ...before, usage, updated: isoNow(ctx.now()) };
    writer.write(townPaths.task(id), formatTask(after));
    return { result: after, change: { action: 'usage', agent: ctx.actor, task: id, summary: `${id}: ${describeUsage(usage)}` } };
  });
  return { task: result, commit };
}
