/**
 * The town lock: one writer at a time, so read-modify-write never loses an
 * update. A file created with O_EXCL holds the owner's pid and host. A lock
 * whose owner died (same host, pid gone) is broken at once rather than after a
 * staleness timeout: that is why this is not proper-lockfile, whose mtime-based
 * staleness would make every crash cost seconds and keeps a timer running.
 * Breaking goes through a second exclusive "breaker" file so that two waiters
 * who both saw the dead owner cannot delete each other's fresh lock.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { ConflictError } from '../errors.js';

export interface LockOwner {
  pid: number;
  host: string;
  since: string;
  command: string;
}

export interface LockOptions {
  /** How long to wait for a live owner before giving up. */
  timeoutMs?: number;
  command?: string;
}

export interface LockUnlessOptions extends LockOptions {
  /**
   * Checked between attempts: once true, the caller no longer needs the lock
   * and the wait ends without it (a writer whose journaled change another
   * writer's commit took along, see app/transaction.ts).
   */
  unless: () => boolean;
}

export interface HeldLock {
  release(): void;
}

const DEFAULT_LOCK_TIMEOUT_MS = 60_000;
/** A breaker or an unreadable lock file older than this belongs to a process that died mid-step. */
const HALF_WRITTEN_GRACE_MS = 2_000;

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryCreate(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

export function readLockOwner(file: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>;
    if (typeof owner.pid === 'number' && typeof owner.host === 'string') return owner as LockOwner;
  } catch {
    // missing, or caught between create and write
  }
  return undefined;
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** True when the lock at `file` is held by a process that no longer exists (or never finished writing it). */
export function isLockStale(file: string): boolean {
  const owner = readLockOwner(file);
  if (!owner) return ageMs(file) > HALF_WRITTEN_GRACE_MS;
  return owner.host === hostname() && !isProcessAlive(owner.pid);
}

function breakStaleLock(file: string): void {
  const breaker = `${file}.breaker`;
  if (!tryCreate(breaker, String(process.pid))) {
    if (ageMs(breaker) > HALF_WRITTEN_GRACE_MS) safeUnlink(breaker);
    return;
  }
  try {
    // Re-check inside the breaker: another waiter may already have broken it and taken a fresh lock.
    if (isLockStale(file)) safeUnlink(file);
  } finally {
    safeUnlink(breaker);
  }
}

function safeUnlink(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function acquireLock(file: string, options?: LockOptions): Promise<HeldLock>;
export function acquireLock(file: string, options: LockUnlessOptions): Promise<HeldLock | undefined>;
export async function acquireLock(file: string, options: LockOptions & { unless?: () => boolean } = {}): Promise<HeldLock | undefined> {
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    command: options.command ?? process.argv.slice(2).join(' '),
  };
  const content = JSON.stringify(owner);
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
  let delayMs = 1;
  for (;;) {
    if (tryCreate(file, content)) {
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          // Only remove our own lock: if it was (wrongly) broken, the new owner keeps theirs.
          if (readLockOwner(file)?.pid === process.pid) safeUnlink(file);
        },
      };
    }
    if (options.unless?.()) return undefined;
    if (isLockStale(file)) {
      breakStaleLock(file);
      await sleep(1);
      continue;
    }
    if (Date.now() > deadline) {
      const holder = readLockOwner(file);
      throw new ConflictError(
        `the town is locked by pid ${holder?.pid ?? '?'} (${holder?.command || 'unknown command'}) since ${holder?.since ?? '?'}; ` +
          `wait for it, or if that process is gone run \`tt doctor --fix\` (${path.basename(file)})`,
      );
    }
    await sleep(delayMs + Math.random() * delayMs);
    delayMs = Math.min(delayMs * 2, 25);
  }
}
