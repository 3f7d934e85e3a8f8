/**
 * Town changes undone by someone else's concurrent commit.
 *
 * `git commit` reads the index before it takes the index lock. A user who
 * commits while tt commits can therefore record a tree from just before tt's
 * change on top of tt's commit, silently reverting it — while the work tree
 * still holds tt's files. tt remembers its last commit; when HEAD has moved
 * past it, the town paths that changed since are compared with the work tree:
 * those whose work-tree content is still exactly tt's were reverted by such a
 * race (a pull, a merge or a deliberate revert changes the work tree too) and
 * are committed again.
 */
import { runGit } from './run-git.js';

export async function revertedTownPaths(root: string, lastTtCommit: string, townDir: string): Promise<string[]> {
  const changed = await runGit({ cwd: root, args: ['diff', '--name-only', '--no-renames', lastTtCommit, 'HEAD', '--', townDir], okExitCodes: [128] });
  if (changed.exitCode !== 0) return [];
  const paths = changed.stdout.split('\n').filter(Boolean);
  if (paths.length === 0) return [];
  const differing = await runGit({ cwd: root, args: ['diff', '--name-only', '--no-renames', lastTtCommit, '--', ...paths], okExitCodes: [128] });
  if (differing.exitCode !== 0) return [];
  const notOurs = new Set(differing.stdout.split('\n').filter(Boolean));
  return paths.filter((p) => !notOurs.has(p));
}
