/**
 * Claim notices: the merge driver runs inside git's merge and cannot commit,
 * so it records each claim conflict in the local state folder's merge-notices/; `tt sync`
 * delivers them as `info` messages to the losers once the merge is in place.
 */
import { existsSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { claimNoticeMessage, type ClaimConflict } from '../core/merge.js';
import { CONDUCTOR } from '../core/types.js';
import { MERGE_NOTICES_DIR } from './merge-driver.js';
import { townPaths } from '../store/paths.js';
import { localStateDir, refuseStateSymlink } from '../store/state-dir.js';
import { TASK_ID_PATTERN } from '../core/ids.js';
import { AGENT_NAME_PATTERN } from '../core/names.js';
import { formatMessage } from '../store/records.js';
import { readTask } from '../store/reader.js';
import { transact } from './transaction.js';
import type { OpContext } from './context.js';

export interface DeliveredNotice {
  task: string;
  winner: string;
  loser: string;
  message: string;
}

/**
 * A notice, validated before any of it is used: the loser names an inbox
 * folder and the task a file, so both must match the rules a command line's
 * would (a notice naming `../..` is dropped, never followed).
 */
function readNotice(file: string): ClaimConflict | undefined {
  try {
    refuseStateSymlink(file);
    const data = JSON.parse(readFileSync(file, 'utf8')) as Partial<ClaimConflict>;
    const fields = [data.task, data.title, data.winner, data.loser, data.winnerClaimed, data.loserClaimed];
    if (!fields.every((value) => typeof value === 'string')) return undefined;
    const valid = TASK_ID_PATTERN.test(data.task!) && AGENT_NAME_PATTERN.test(data.winner!) && AGENT_NAME_PATTERN.test(data.loser!);
    return valid ? (data as ClaimConflict) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Tells the losers of claim conflicts the merge driver recorded. A notice is
 * delivered once the merge that decided it is in place (the task names the
 * winner); kept while the task still names the loser (that merge was aborted
 * and may come again); dropped when the task has moved on. The message id is
 * derived from the conflict, so a message already there is not written twice.
 */
export async function deliverMergeNotices(ctx: OpContext): Promise<DeliveredNotice[]> {
  const { town } = ctx;
  const dir = path.join(localStateDir(town.root), MERGE_NOTICES_DIR);
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
  } catch {
    return [];
  }
  if (names.length === 0) return [];
  const { result } = await transact(town, (writer) => {
    const delivered: DeliveredNotice[] = [];
    const done: string[] = [];
    for (const name of names) {
      const conflict = readNotice(path.join(dir, name));
      let assignee: string | null | undefined;
      try {
        assignee = conflict ? readTask(town.root, conflict.task).assignee : undefined;
      } catch {
        assignee = undefined;
      }
      if (conflict && assignee === conflict.loser) continue;
      done.push(name);
      if (!conflict || assignee !== conflict.winner) continue;
      const message = claimNoticeMessage(conflict);
      const exists = [townPaths.unread(message.to, message.id), townPaths.read(message.to, message.id)].some((rel) => existsSync(path.join(town.root, rel)));
      if (exists) continue;
      writer.write(townPaths.unread(message.to, message.id), formatMessage(message));
      delivered.push({ task: conflict.task, winner: conflict.winner, loser: conflict.loser, message: message.id });
    }
    return {
      result: { delivered, done },
      change: {
        action: 'merge', agent: CONDUCTOR, task: delivered.length === 1 ? delivered[0]!.task : null, messages: delivered.map((d) => d.message),
        summary: delivered.map((d) => `${d.task} stays with ${d.winner} (earlier claim), told ${d.loser}`).join('; '),
      },
    };
  });
  for (const name of result.done) {
    try {
      unlinkSync(path.join(dir, name));
    } catch {
      // another sync took it
    }
  }
  return result.delivered;
}
