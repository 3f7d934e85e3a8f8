/**
 * Town changes undone by someone else's concurrent commit.
 *
 * `git commit` reads the index before it takes the index lock. A user who
 * commits while tt commits can therefore record a tree from just before tt's
 * change on top of tt's commit (and write back an index that has forgotten
 * tt's new files), silently reverting it — while the work tree still holds
 * tt's files. tt remembers its last commit; when HEAD has moved past it, each
 * town path that changed since is compared with the work tree: a path whose
 * work-tree content is still exactly what tt committed (or still absent, where
 * tt deleted it) was reverted by such a race — a pull, a merge or a deliberate
 * revert changes the work tree too — and is committed again.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { lines, runTask, type GitTask } from './task.js';

/** Every call runs inside the town lock (blocking) and reads as "nothing" where git cannot answer (128). */
const linesTask = (args: readonly string[], input?: string): GitTask<string[] | undefined> => ({
  args, okExitCodes: [128], blocking: true, ...(input !== undefined ? { input } : {}),
  parse: (result) => (result.exitCode === 0 ? lines(result) : undefined),
});

/** Pathspecs: a folder (relative to cwd), or exact paths from the top of the work tree. */
export type Where = { folder: string } | { paths: readonly string[] };

const pathspecs = (where: Where): string[] => ('folder' in where ? [where.folder] : where.paths.map((file) => `:(top,literal)${file}`));

/** Paths (from the top) that differ between `from` and HEAD. */
export const changedSinceTask = (from: string, where: Where) => linesTask(['diff', '--name-only', '--no-renames', from, 'HEAD', '--', ...pathspecs(where)]);
/** `<mode> blob <id>\t<path>` for every file there in `commit`. */
export const treeFilesTask = (commit: string, where: Where) => linesTask(['ls-tree', '-r', '--full-name', commit, '--', ...pathspecs(where)]);
/** The blob id each work-tree file would have, paths on stdin (never an argv of thousands). */
export const hashFilesTask = (paths: readonly string[]) => linesTask(['hash-object', '--no-filters', '--stdin-paths'], `${paths.join('\n')}\n`);

/**
 * `candidates`: the paths tt's latest commits changed (only those can a race
 * have reverted; at most a thousand, so they may be an argv); undefined: every
 * path under the town folder is looked at.
 */
export async function revertedTownPaths(root: string, lastTtCommit: string, townDir: string, candidates?: ReadonlySet<string>): Promise<string[]> {
  // Without candidates every call names only the town folder or reads paths on stdin: a pull of 100,000 files must not become an argv.
  if (candidates?.size === 0) return [];
  const where: Where = candidates ? { paths: [...candidates] } : { folder: townDir };
  const changed = await runTask(root, changedSinceTask(lastTtCommit, where));
  if (!changed || changed.length === 0) return [];
  const committed = new Map<string, string>();
  for (const line of (await runTask(root, treeFilesTask(lastTtCommit, candidates ? { paths: changed } : where))) ?? []) {
    const match = /^\d+ blob ([0-9a-f]+)\t(.+)$/.exec(line);
    if (match) committed.set(match[2]!, match[1]!);
  }
  const present = new Set(changed.filter((file) => existsSync(path.join(root, file))));
  // Only a file tt had committed can still hold tt's content: hash just those (a pull may have brought thousands of others).
  const toHash = [...present].filter((file) => committed.has(file));
  const hashes = toHash.length ? (await runTask(root, hashFilesTask(toHash))) ?? [] : [];
  const workTree = new Map(toHash.map((file, i) => [file, hashes[i]]));
  return changed.filter((file) => (committed.has(file) ? workTree.get(file) === committed.get(file) : !present.has(file)));
}
