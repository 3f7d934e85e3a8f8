/**
 * File operations confined to the town: atomic writes (temp file, fsync,
 * rename) so no reader ever sees half a file, and a refusal to pass through a
 * symlink, so nothing tt writes can land outside `.tinytown/`.
 */
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { randomBase32 } from '../core/ids.js';
import { ValidationError } from '../errors.js';

/** Temp files are dot-files ending in `.tmp`, which watchers and readers skip and `tt doctor --fix` removes. */
export const TEMP_FILE_PATTERN = /^\..*\.tmp$/;

/** Creates `relDir` under `root`, refusing any existing component that is a symlink or not a folder. */
export function ensureDir(root: string, relDir: string): void {
  let current = root;
  for (const part of relDir.split('/')) {
    current = path.join(current, part);
    let stat;
    try {
      stat = lstatSync(current);
    } catch {
      try {
        mkdirSync(current);
        continue;
      } catch (error) {
        // another process made it between the lstat and the mkdir: check what it made
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        stat = lstatSync(current);
      }
    }
    if (stat.isSymbolicLink()) {
      throw new ValidationError(`${path.relative(root, current)} is a symlink; tt never writes through a symlink (tt doctor reports it)`, path.relative(root, current));
    }
    if (!stat.isDirectory()) {
      throw new ValidationError(`${path.relative(root, current)} is not a folder`, path.relative(root, current));
    }
  }
}

export function writeFileAtomic(root: string, relPath: string, content: string): void {
  ensureDir(root, path.posix.dirname(relPath));
  const target = path.join(root, relPath);
  refuseSymlink(root, relPath);
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBase32(6)}.tmp`);
  const fd = openSync(temp, 'wx', 0o644);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, target);
  } catch (error) {
    unlinkSync(temp);
    throw error;
  }
}

/** Moves a file inside the town (rename is atomic within one file system). */
export function moveFile(root: string, fromRel: string, toRel: string): void {
  refuseSymlink(root, fromRel);
  ensureDir(root, path.posix.dirname(toRel));
  refuseSymlink(root, toRel);
  renameSync(path.join(root, fromRel), path.join(root, toRel));
}

export function removeFile(root: string, relPath: string): void {
  refuseSymlink(root, relPath);
  unlinkSync(path.join(root, relPath));
}

function refuseSymlink(root: string, relPath: string): void {
  try {
    if (lstatSync(path.join(root, relPath)).isSymbolicLink()) {
      throw new ValidationError(`${relPath} is a symlink; tt never writes through a symlink (tt doctor reports it)`, relPath);
    }
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    // missing: fine, it is about to be created
  }
}

/**
 * Refuses, before anything is written, a town path tt could not write
 * safely: a symlink or a non-folder anywhere on the way, or a symlink or
 * folder at the path itself. A change checks all its paths first, so a
 * refusal leaves every file as it was (never half a change).
 */
export function assertWritablePath(root: string, relPath: string): void {
  const parts = relPath.split('/');
  let current = root;
  for (const [index, part] of parts.entries()) {
    current = path.join(current, part);
    let stat;
    try {
      stat = lstatSync(current);
    } catch {
      return; // missing from here on: it will be created
    }
    const rel = parts.slice(0, index + 1).join('/');
    if (stat.isSymbolicLink()) throw new ValidationError(`${rel} is a symlink; tt never writes through a symlink (tt doctor reports it)`, rel);
    const last = index === parts.length - 1;
    if (!last && !stat.isDirectory()) throw new ValidationError(`${rel} is not a folder (tt doctor --fix moves it aside)`, rel);
    if (last && stat.isDirectory()) throw new ValidationError(`${rel} is a folder where a town file belongs`, rel);
  }
}
