/**
 * When a loop gives up — `error` after failed rounds, `stuck` after rounds
 * that did nothing — the conductor is told in its inbox, with the end of the
 * agent's log: nobody watches a background loop, and a stopped agent with
 * unread mail otherwise looks the same as an idle one in a glance at the town.
 */
import path from 'node:path';
import { CONDUCTOR } from '../core/types.js';
import { sendMessage } from '../app/messages.js';
import type { OpContext } from '../app/context.js';
import { logTail } from '../store/log-tail.js';
import { runtimePaths } from '../store/runtime.js';

/** Lines of the log the message quotes. */
export const REPORTED_LOG_LINES = 20;

export function stopReport(agent: string, state: 'error' | 'stuck', reason: string, tail: readonly string[], logFile: string): string {
  const quoted = tail.length ? `\n\nThe end of its log (${logFile}):\n\n\`\`\`\n${tail.join('\n').replace(/```/g, "'''")}\n\`\`\`` : '';
  return `${agent} stopped in ${state}: ${reason}. Its unread messages are kept; once the cause is fixed, tt restart ${agent} (or tt reclaim --from ${agent} --to ANOTHER).${quoted}`;
}

/** Sends the report as the agent; a report that cannot be sent is said in the agent's log instead, never thrown. */
export async function reportStop(ctx: OpContext, state: 'error' | 'stuck', reason: string, log: (line: string) => void): Promise<void> {
  if (ctx.actor === CONDUCTOR) return;
  const root = ctx.town.root;
  const logFile = path.relative(root, runtimePaths.log(root, ctx.actor));
  try {
    await sendMessage(ctx, { to: CONDUCTOR, type: 'info', text: stopReport(ctx.actor, state, reason, logTail(root, ctx.actor, REPORTED_LOG_LINES), logFile) });
  } catch (error) {
    log(`=== could not tell the conductor: ${error instanceof Error ? error.message : String(error)}`);
  }
}
