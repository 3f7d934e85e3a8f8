/**
 * A git call described as data: the argv (and stdin, env, the exit codes that
 * are answers) plus a typed parser of its output — in the spirit of
 * simple-git's `{commands, parser}` tasks. The app layer asks for a task by
 * name (`fetchTask(...)`) and gets a typed value back; unit tests assert each
 * task's exact argv (test/unit/git-commands.test.ts) without running git.
 */
import { runGit, runGitSync, type GitCommand, type GitResult } from './run-git.js';

export interface GitTask<T> extends Omit<GitCommand, 'cwd'> {
  parse(result: GitResult): T;
}

export async function runTask<T>(cwd: string, task: GitTask<T>): Promise<T> {
  return task.parse(await runGit({ ...task, cwd }));
}

/** Non-empty lines of stdout. */
export const lines = (result: GitResult): string[] => result.stdout.split('\n').filter(Boolean);
/** Non-empty NUL-separated records of stdout (`-z`). */
export const records = (result: GitResult): string[] => result.stdout.split('\0').filter(Boolean);
/** stdout trimmed, or undefined when empty or the command answered with a non-zero "ok" code. */
export const value = (result: GitResult): string | undefined => (result.exitCode === 0 && result.stdout.trim()) || undefined;
/** Did it exit 0? For commands whose exit code is the answer. */
export const succeeded = (result: GitResult): boolean => result.exitCode === 0;
/** stdout as it is. */
export const text = (result: GitResult): string => result.stdout;

/** A task run synchronously, for the few questions asked where nothing can be awaited (the state folder's one-time move). */
export function runTaskSync<T>(cwd: string, task: GitTask<T>): T {
  return task.parse(runGitSync({ ...task, cwd }));
}
