/**
 * The direct spawn of git, for the plumbing of the hot write path and the
 * short reads (tasks of task.ts run through here). A coordinator command is
 * mostly process start-up: simple-git's import and task queue would be paid
 * by every `tt send` (figures in commit.ts and log.ts), so simple-git is kept
 * for the porcelain of `tt sync` (porcelain.ts, remote.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { GitError } from '../errors.js';

let resolved: { pathVariable: string | undefined; program: string } | undefined;

/**
 * git's full path, found once per process on PATH as execvp would find it.
 * Spawning plain "git" makes every spawn try each PATH folder in turn: with a
 * PATH of ten folders (pyenv, cargo, …) a write's four git processes cost
 * some forty failed execve calls in the child. Where nothing is found, plain
 * "git" is spawned and fails with the usual message.
 */
export function gitProgram(): string {
  const pathVariable = process.env.PATH;
  if (resolved && resolved.pathVariable === pathVariable) return resolved.program;
  let program = 'git';
  if (process.platform !== 'win32') {
    for (const folder of (pathVariable ?? '').split(path.delimiter)) {
      const candidate = path.join(folder || '.', 'git');
      try {
        if (!statSync(candidate).isFile()) continue;
        accessSync(candidate, constants.X_OK);
      } catch {
        continue;
      }
      // A relative PATH folder names a place relative to each spawn's cwd: leave the search to the system.
      if (path.isAbsolute(candidate)) program = candidate;
      break;
    }
  }
  resolved = { pathVariable, program };
  return program;
}

export interface GitCommand {
  args: readonly string[];
  cwd: string;
  input?: string;
  env?: Record<string, string>;
  /** Exit codes that are answers rather than failures (e.g. 1 from `git diff --quiet`). */
  okExitCodes?: readonly number[];
  /**
   * Run it with spawnSync: for the short git calls of a commit, made while
   * tt holds the town lock and has nothing else to do. The first asynchronous
   * spawn of a process sets up stream machinery that costs more than a small
   * git command itself; a tt write is two such commands.
   */
  blocking?: boolean;
}

/** Output larger than this fails the command rather than filling memory (spawnSync needs a bound). */
const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;

export interface GitResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** stdout as bytes, for the few commands whose output is binary (`cat-file --batch` of trees). */
  bytes?: Buffer;
}

/** Isolation from things that would make a coordination commit interactive or slow. */
export const BASE_ENV: Readonly<Record<string, string>> = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_OPTIONAL_LOCKS: '0',
  LC_ALL: 'C',
};

function settle(command: GitCommand, result: GitResult): GitResult {
  if (result.exitCode === 0 || command.okExitCodes?.includes(result.exitCode)) return result;
  // git commit says "nothing to commit" on stdout, after the status lines: callers match git's words, so keep them all.
  const words = result.stderr || result.stdout;
  throw new GitError(`git ${command.args[0] ?? ''} failed: ${firstLines(words)}`, command.args, words);
}

/** A synchronous git call, for the few questions asked where nothing can be awaited (git-dir.ts). */
export function runGitSync(command: GitCommand): GitResult {
  const child = spawnSync(gitProgram(), command.args, {
    cwd: command.cwd,
    env: { ...process.env, ...BASE_ENV, ...command.env },
    input: command.input ?? '',
    maxBuffer: MAX_OUTPUT_BYTES,
  });
  if (child.error) {
    throw new GitError(`could not run git (${child.error.message}); is git installed and on PATH?`, command.args, '', { cause: child.error });
  }
  return settle(command, { stdout: child.stdout.toString('utf8'), stderr: child.stderr.toString('utf8'), exitCode: child.status ?? 1, bytes: child.stdout });
}

export function runGit(command: GitCommand): Promise<GitResult> {
  if (command.blocking) {
    try {
      return Promise.resolve(runGitSync(command));
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return new Promise((resolve, reject) => {
    const child = spawn(gitProgram(), command.args, {
      cwd: command.cwd,
      env: { ...process.env, ...BASE_ENV, ...command.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => {
      reject(new GitError(`could not run git (${error.message}); is git installed and on PATH?`, command.args, '', { cause: error }));
    });
    child.on('close', (code) => {
      const result = {
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        exitCode: code ?? 1,
      };
      try {
        resolve(settle(command, result));
      } catch (error) {
        reject(error);
      }
    });
    child.stdin.on('error', () => {
      // git may exit before reading stdin; its exit code tells the story
    });
    child.stdin.end(command.input ?? '');
  });
}

function firstLines(text: string): string {
  return text.trim().split('\n').slice(0, 3).join(' / ') || '(no output)';
}
