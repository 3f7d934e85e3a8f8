/**
 * simple-git, the one place it is set up: for porcelain whose typed results
 * (fetch, push, merge, log, status) or progress events help. It is imported
 * on first use (`await import`), so only the commands that need porcelain
 * (tt sync, history, events, summary, doctor …) load it; a `tt send` commits
 * through the direct spawns of commit.ts and never does (see the figures there).
 */
import type { SimpleGit, SimpleGitProgressEvent } from 'simple-git';
import { GitError } from '../errors.js';
import { BASE_ENV } from './run-git.js';

/** What a failed porcelain call printed, kept whole: callers match git's words (a rejected push, a missing ref). */
export interface PorcelainFailure {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export type PorcelainOutcome<T> = { ok: true; value: T } | { ok: false; failure: PorcelainFailure };

export interface PorcelainOptions {
  cwd: string;
  env?: Record<string, string>;
  /** `-c` settings put before the command. */
  config?: readonly string[];
  /** Show git's progress on stderr (tt sync: when stderr is a terminal). */
  progress?: boolean;
}

function showProgress({ method, stage, progress }: SimpleGitProgressEvent): void {
  process.stderr.write(`\rgit ${method}: ${stage} ${progress}%\x1b[K${progress === 100 ? '\n' : ''}`);
}

/** A simple-git instance for one call, and what git printed when that call failed. */
export interface Porcelain {
  git: SimpleGit;
  failures: PorcelainFailure[];
}

export async function porcelain(options: PorcelainOptions): Promise<Porcelain> {
  const { simpleGit } = await import('simple-git');
  const env = { ...process.env, ...BASE_ENV, ...options.env };
  const failures: PorcelainFailure[] = [];
  const git = simpleGit({
    baseDir: options.cwd,
    config: [...(options.config ?? [])],
    ...(options.progress ? { progress: showProgress } : {}),
    // The environment is the person's own (their EDITOR, GIT_SSH_COMMAND, GIT_CONFIG_GLOBAL …), passed on
    // whole as a direct spawn of git would; simple-git's guards are for argv and env built from untrusted input.
    allowEnvironment: Object.keys(env),
    unsafe: {
      allowUnsafeEditor: true, allowUnsafeAskPass: true, allowUnsafeConfigPaths: true, allowUnsafeConfigEnvCount: true,
      allowUnsafePager: true, allowUnsafeSshCommand: true, allowUnsafeGitProxy: true, allowUnsafeDiffExternal: true,
      allowUnsafeTemplateDir: true, allowUnsafeExec: true,
    },
    // Every non-zero exit is a failure (simple-git's default ignores one without stderr), its whole
    // output kept aside: simple-git rewraps any error in its own class, as one string.
    errors: (error, result) => {
      if (result.exitCode === 0) return error;
      const failure = {
        exitCode: result.exitCode,
        stdout: Buffer.concat(result.stdOut).toString('utf8'),
        stderr: Buffer.concat(result.stdErr).toString('utf8'),
      };
      failures.push(failure);
      return new Error(failure.stderr || failure.stdout);
    },
  }).env(env);
  return { git, failures };
}

/** The value, or a failure with git's whole output; an error only when git could not be run at all. */
export async function settle<T>({ failures }: Porcelain, args: readonly string[], run: Promise<T>): Promise<PorcelainOutcome<T>> {
  try {
    return { ok: true, value: await run };
  } catch (error) {
    const failure = failures[0];
    if (failure) return { ok: false, failure };
    // simple-git refused or could not start git: a failure of its own.
    throw new GitError(`git ${args[0] ?? ''} could not run: ${(error as Error).message}`, args, '', { cause: error });
  }
}

