/** The commit range a pull request covers: from the merge-base with the default branch to HEAD. */
import { runGit } from './run-git.js';

async function verify(root: string, ref: string): Promise<string | undefined> {
  const result = await runGit({ cwd: root, args: ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], okExitCodes: [1, 128] });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

export async function defaultBranch(root: string): Promise<string | undefined> {
  const remoteHead = await runGit({ cwd: root, args: ['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD'], okExitCodes: [1, 128] });
  if (remoteHead.exitCode === 0 && remoteHead.stdout.trim()) return remoteHead.stdout.trim();
  for (const candidate of ['main', 'master', 'origin/main', 'origin/master']) {
    if (await verify(root, candidate)) return candidate;
  }
  return undefined;
}

export interface ResolvedRange {
  /** The range given to git log. */
  range: string;
  /** How it was chosen, for the reader. */
  description: string;
}

export async function pullRequestRange(root: string): Promise<ResolvedRange> {
  const head = await verify(root, 'HEAD');
  const branch = await defaultBranch(root);
  if (head && branch) {
    const base = await runGit({ cwd: root, args: ['merge-base', branch, 'HEAD'], okExitCodes: [1] });
    const mergeBase = base.stdout.trim();
    if (base.exitCode === 0 && mergeBase && mergeBase !== head) {
      return { range: `${mergeBase}..HEAD`, description: `since the merge-base with ${branch} (${mergeBase.slice(0, 8)})` };
    }
  }
  return { range: 'HEAD', description: branch ? `all history (HEAD is on ${branch}, so there is no branch to compare)` : 'all history' };
}
