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

async function changedPaths(root: string, args: readonly string[]): Promise<Set<string> | undefined> {
  const result = await runGit({ cwd: root, args: ['diff', '--name-only', '--no-renames', ...args], okExitCodes: [128] });
  return result.exitCode === 0 ? new Set(result.stdout.split('\n').filter(Boolean)) : undefined;
}

export async function revertedTownPaths(root: string, lastTtCommit: string, townDir: string): Promise<string[]> {
  const sinceTt = await changedPaths(root, [lastTtCommit, 'HEAD', '--', townDir]);
  if (!sinceTt || sinceTt.size === 0) return [];
  // Both diffs take the town folder as their only pathspec: a pull that brought 100,000 files must not become an argv.
  const workTreeDiffers = await changedPaths(root, [lastTtCommit, '--', townDir]);
  if (!workTreeDiffers) return [];
  return [...sinceTt].filter((p) => !workTreeDiffers.has(p));
}
