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
