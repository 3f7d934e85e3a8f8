/** `git merge-file`: git's own three-way line merge of three files, for the town merge driver (app/merge-driver.ts). */
import { runTask, type GitTask } from './task.js';

export interface MergeFiles {
  cwd: string;
  base: string;
  ours: string;
  theirs: string;
}

/** `union` keeps both sides' lines where they conflict (never markers). */
export const mergeFileTask = (files: Omit<MergeFiles, 'cwd'>, union: boolean): GitTask<{ text: string; clean: boolean }> => ({
  args: ['merge-file', '-p', '--quiet', ...(union ? ['--union'] : []), files.ours, files.base, files.theirs],
  // The exit code is the number of conflicts (capped at 127); a negative one (255 here) is an error.
  okExitCodes: Array.from({ length: 127 }, (_, i) => i + 1),
  parse: (result) => ({ text: result.stdout, clean: result.exitCode === 0 }),
});

export function lineMerge(files: MergeFiles, union: boolean): Promise<{ text: string; clean: boolean }> {
  return runTask(files.cwd, mergeFileTask(files, union));
}
