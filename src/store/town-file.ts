/**
 * One town file read safely: never through a symlink, never more than a page,
 * with the stat of the very file read; and what a file that cannot be read or
 * does not validate becomes in a listing (a problem naming file and reason).
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import path from 'node:path';
import { ValidationError } from '../errors.js';

export interface Problem {
  file: string;
  message: string;
  line?: number;
}

export interface Listing<T> {
  items: T[];
  problems: Problem[];
}

/** Town files larger than this are refused unread: a coordination file is a page, not a payload. */
export const MAX_TOWN_FILE_BYTES = 1024 * 1024;

/** Opening with O_NOFOLLOW refuses a symlink in the same system call that opens the file (no lstat first). */
const OPEN_NO_FOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW;

export function readTownFile(root: string, rel: string): string {
  return readTownFileWithStat(root, rel).text;
}

/** The file's text and the stat of the very file that was read (taken on the open descriptor). */
export function readTownFileWithStat(root: string, rel: string): { text: string; stat: Stats } {
  let fd: number;
  try {
    fd = openSync(path.join(root, rel), OPEN_NO_FOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new ValidationError(`${rel}: is a symlink; tt does not follow symlinks in the town`, rel);
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    const { size } = stat;
    if (size > MAX_TOWN_FILE_BYTES) {
      throw new ValidationError(`${rel}: ${size} bytes is too large for a town file (at most ${MAX_TOWN_FILE_BYTES})`, rel);
    }
    const buffer = Buffer.allocUnsafe(size);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, buffer, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    return { text: buffer.toString('utf8', 0, read), stat };
  } finally {
    closeSync(fd);
  }
}

export function toProblem(file: string, error: unknown): Problem {
  if (error instanceof ValidationError) {
    return { file, message: error.message.replace(new RegExp(`^${escapeRegExp(file)}(:\\d+)?: `), ''), ...(error.line ? { line: error.line } : {}) };
  }
  return { file, message: error instanceof Error ? error.message : String(error) };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A plain file where the town needs a folder: a problem of the listing, never a crash. */
export function notAFolder(relDir: string): Problem {
  return { file: relDir, message: 'is a file where the town needs a folder (tt doctor --fix moves it aside)' };
}
