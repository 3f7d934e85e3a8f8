/**
 * Is git in the middle of something? Read from the git directory with a few
 * stat calls rather than a git process: it is asked before every commit.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

const IN_PROGRESS_MARKERS: ReadonlyArray<readonly [file: string, operation: string]> = [
  ['MERGE_HEAD', 'merge'],
  ['rebase-merge', 'rebase'],
  ['rebase-apply', 'rebase'],
  ['CHERRY_PICK_HEAD', 'cherry-pick'],
  ['REVERT_HEAD', 'revert'],
];

/** The operation in progress in the git directory, or undefined when none is. */
export function operationInProgress(gitDir: string): string | undefined {
  for (const [file, operation] of IN_PROGRESS_MARKERS) {
    if (existsSync(path.join(gitDir, file))) return operation;
  }
  return undefined;
}
