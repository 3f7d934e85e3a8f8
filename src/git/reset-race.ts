/**
 * tt commits a person's racing `git reset --hard` dropped from the branch.
 *
 * `git reset --hard` (and `git stash`, which runs it) resolves HEAD when it
 * starts, then takes the index lock, resets, and sets HEAD to what it
 * resolved — without checking that HEAD is still there. A tt commit that
 * lands in between is taken off the branch, and its files out of the work
 * tree: a message printed as "Sent" would be in no commit on any ref, no
 * file, no stash (4 of 10 runs of the person's loop beside three writers,
 * test/integration/commit-path.test.ts, once the write path got faster).
 *
 * The reflog tells such a reset apart from any other: `reset: moving to HEAD`
 * whose old side is tt's last commit and whose new side is one of its
 * ancestors. The person asked to stay at HEAD; HEAD was tt's commit by then.
 * The tt commits between the two (first parents, each with a Tinytown-Action
 * trailer and an agent author) are read back — message, author, and their
 * changes under the town folder — to be committed again (app/transaction.ts).
 */
import { readHeadReflog } from './git-dir.js';
import { AGENT_EMAIL_DOMAIN } from './identity.js';
import { readObjectsTask } from './commit-builder.js';
import { lines, runTask, type GitTask } from './task.js';
import { parseBatch } from './trees.js';
import { isAncestorTask } from './worktree.js';

/** The reflog subject `git reset` writes when told no commit (`git reset --hard`, `git stash`'s reset). */
const RESET_TO_HEAD = 'reset: moving to HEAD';

export interface DroppedCommit {
  id: string;
  /** The whole message, as tt wrote it (trailers included). */
  message: string;
  /** The agent that authored it. */
  author: string;
  /** Town paths (relative to the work tree's top) and their content at that commit; null: removed. */
  changes: Array<{ path: string; blob: string | null }>;
}

export const firstParentsTask = (from: string, to: string): GitTask<string[]> => ({
  args: ['rev-list', '--first-parent', '--reverse', `${from}..${to}`],
  blocking: true,
  parse: lines,
});

/** `:<old mode> <new mode> <old> <new> <status>\0<path>\0` records of a commit's changes under `folder`. */
export const townChangesTask = (commit: string, folder: string): GitTask<Array<{ path: string; blob: string | null }>> => ({
  args: ['diff-tree', '-r', '-z', '--no-renames', '--no-commit-id', `${commit}^`, commit, '--', folder],
  blocking: true,
  parse: (result) => {
    const fields = result.stdout.split('\0');
    const changes: Array<{ path: string; blob: string | null }> = [];
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const meta = /^:\d+ (\d+) [0-9a-f]+ ([0-9a-f]+) ([A-Z])/.exec(fields[i]!);
      if (!meta) continue;
      changes.push({ path: fields[i + 1]!, blob: meta[3] === 'D' ? null : meta[2]! });
    }
    return changes;
  },
});

/** The reset that dropped `last` (tt's last commit) from HEAD, if the reflog shows one. */
export function droppingReset(gitDir: string, last: string): { from: string; to: string } | undefined {
  for (const entry of readHeadReflog(gitDir)) {
    if (entry.old === last && entry.new !== last && entry.subject === RESET_TO_HEAD) return { from: entry.old, to: entry.new };
  }
  return undefined;
}

/** tt's commits the reset dropped, oldest first, with their town changes; [] when none (or not such a reset). */
export async function droppedTownCommits(top: string, gitDir: string, last: string, townFolder: string): Promise<DroppedCommit[]> {
  const reset = droppingReset(gitDir, last);
  // 128: a commit git does not know (pruned): no such reset to undo.
  if (!reset || !await runTask(top, { ...isAncestorTask(reset.to, reset.from), okExitCodes: [1, 128], blocking: true })) return [];
  const ids = await runTask(top, firstParentsTask(reset.to, reset.from));
  if (ids.length === 0) return [];
  const raw = parseBatch(await runTask(top, readObjectsTask(ids)), ids.length);
  const dropped: DroppedCommit[] = [];
  for (const [i, id] of ids.entries()) {
    const object = raw[i];
    if (object?.type !== 'commit') continue;
    const text = object.body.toString('utf8');
    const split = text.indexOf('\n\n');
    const header = text.slice(0, split);
    const message = text.slice(split + 2);
    const author = new RegExp(`^author ([A-Za-z0-9][A-Za-z0-9_-]*) <[^>@]+@${AGENT_EMAIL_DOMAIN.replace('.', '\\.')}> `, 'm').exec(header)?.[1];
    // Only tt's own commits: a person's commit the same reset dropped is theirs to recover.
    if (!author || /^parent .*\nparent /m.test(header) || !/^Tinytown-Action: /m.test(message)) continue;
    dropped.push({ id, message, author, changes: await runTask(top, townChangesTask(id, townFolder)) });
  }
  return dropped;
}
