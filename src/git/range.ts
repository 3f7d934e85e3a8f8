/** The commit range a pull request covers: from the merge-base with the default branch to HEAD. */
import { mergeBaseTask, remoteDefaultBranchTask, verifyCommitTask } from './repo.js';
import { runTask } from './task.js';

const verify = (root: string, ref: string): Promise<string | undefined> => runTask(root, verifyCommitTask(ref));

export async function defaultBranch(root: string): Promise<string | undefined> {
  const remoteHead = await runTask(root, remoteDefaultBranchTask());
  if (remoteHead) return remoteHead;
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
    const mergeBase = await runTask(root, mergeBaseTask(branch, 'HEAD'));
    if (mergeBase && mergeBase !== head) {
      return { range: `${mergeBase}..HEAD`, description: `since the merge-base with ${branch} (${mergeBase.slice(0, 8)})` };
    }
  }
  return { range: 'HEAD', description: branch ? `all history (HEAD is on ${branch}, so there is no branch to compare)` : 'all history' };
}
