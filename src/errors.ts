/**
 * The error family every layer throws. Each carries an exit code and a stable
 * machine-readable `code` for the JSON envelope; the message says what failed,
 * where, and which command fixes it. Only the top-level handler prints them.
 */
export class TinytownError extends Error {
  readonly exitCode: number = 1;
  readonly code: string = 'error';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command-line usage: a missing argument, an unknown flag, an illegal name. Exit 2. */
export class UsageError extends TinytownError {
  override readonly exitCode = 2;
  override readonly code = 'usage';
}

export class NotFoundError extends TinytownError {
  override readonly code = 'not_found';
}

/** A file or a value that does not match the contract (DESIGN §1). */
export class ValidationError extends TinytownError {
  override readonly code = 'invalid';
  constructor(
    message: string,
    readonly file?: string,
    readonly field?: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

/** Refused because of the current state: an illegal transition, a lost race, a held lock. */
export class ConflictError extends TinytownError {
  override readonly code = 'conflict';
}

/** A git command failed; `stderr` keeps git's own words. */
export class GitError extends TinytownError {
  override readonly code = 'git';
  constructor(
    message: string,
    readonly args: readonly string[],
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A wait (`inbox --wait`, `wait`) that ran out of time. Exit 3. */
export class TimeoutError extends TinytownError {
  override readonly exitCode = 3;
  override readonly code = 'timeout';
}

/** The file system refused (no space, no permission, read-only, a file where a folder belongs): the path and what to do. */
export class IoError extends TinytownError {
  override readonly code = 'io';
}

const IO_FIXES: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device; free some space and run the command again',
  EDQUOT: 'the disk quota is used up; free some space and run the command again',
  EACCES: 'permission denied; check who owns it (ls -l) and run tt as that user',
  EPERM: 'operation not permitted; check who owns it (ls -l) and run tt as that user',
  EROFS: 'the file system is read-only; run tt where it can write',
  ENOTDIR: 'a file stands where a folder belongs; move it away (tt doctor shows such files)',
  EISDIR: 'a folder stands where a file belongs; move it away (tt doctor shows such files)',
  EMFILE: 'too many open files; raise the limit (ulimit -n) or stop some agents',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'a symlink loop or a symlink where tt follows none; replace it with a real file or folder',
};

/**
 * A TinytownError for anything a face catches: a TinytownError as it is, a
 * system error of the file system as an IoError naming the path and the fix;
 * anything else is undefined (a bug, which the face reports as one).
 */
export function asTinytownError(error: unknown): TinytownError | undefined {
  if (error instanceof TinytownError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string' || !Object.hasOwn(IO_FIXES, code)) return undefined;
  const { path, syscall } = error as NodeJS.ErrnoException;
  const where = path ? ` ${path}` : '';
  return new IoError(`cannot ${syscall ?? 'use'}${where}: ${IO_FIXES[code]}`, { cause: error });
}
