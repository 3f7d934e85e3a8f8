/** The last lines of an agent's log, read from the end of the file (a log grows for as long as its loop runs). */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { runtimePaths } from './runtime.js';

const TAIL_BYTES = 4096;

export function logTail(root: string, name: string, lines = 5): string[] {
  let fd: number;
  try {
    fd = openSync(runtimePaths.log(root, name), 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8').split('\n').filter((line) => line.trim()).slice(-lines);
  } finally {
    closeSync(fd);
  }
}
