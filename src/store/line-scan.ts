/**
 * Finding the lines of a cache file (UTF-8, one record a line) that hold a
 * needle, as bytes: only the lines hit are decoded. `tt search` scans the
 * tasks' view and every message index this way, megabytes for each search.
 *
 * A file is read through one small buffer that every scan of the process
 * shares, never whole: on the 2-core VM this was measured on, a page of fresh
 * memory costs about 16 µs on first touch, so reading a 2 MB view into new
 * memory took 8 ms and scanning it the first time 5 ms more; read 64 KB at a
 * time into the same buffer, both took 3 ms.
 */
import { readSync } from 'node:fs';

const NEWLINE = 0x0a;
const CHUNK_BYTES = 64 * 1024;
const FIRST_READ_BYTES = 4 * 1024;

/** The scans' buffer: CHUNK_BYTES, grown only for a line longer than that. What it holds is decoded before the next read. */
let buffer = Buffer.allocUnsafe(CHUNK_BYTES);

/** The lines of `lines` (whole lines, no newline split off inside) whose bytes hold `needle`, as text; each line once. */
export function linesHolding(lines: Buffer, needle: Buffer): string[] {
  const found: string[] = [];
  let from = 0;
  for (;;) {
    const at = lines.indexOf(needle, from);
    if (at < 0) return found;
    const start = lines.lastIndexOf(NEWLINE, at) + 1;
    let end = lines.indexOf(NEWLINE, at);
    if (end < 0) end = lines.length;
    found.push(lines.toString('utf8', start, end));
    from = end + 1;
  }
}

/** Fills buffer[at, at + length) from the file at `position`; throws when the file ends first. */
function readExactlyInto(fd: number, at: number, length: number, position: number): void {
  let read = 0;
  while (read < length) {
    const n = readSync(fd, buffer, at + read, length - read, position + read);
    if (n === 0) throw new Error('cut short');
    read += n;
  }
}

/**
 * `linesHolding` over the bytes [start, start + length) of the open file `fd`,
 * read a chunk at a time; a line cut by a chunk's end is carried to the next.
 * Throws when the file is shorter than that (a cache rewritten meanwhile).
 */
export function linesHoldingInFile(fd: number, start: number, length: number, needle: Buffer): string[] {
  const found: string[] = [];
  /** Bytes at the buffer's start: the beginning of a line the last chunk cut. */
  let carried = 0;
  let position = start;
  const end = start + length;
  while (position < end) {
    if (carried === buffer.length) {
      // one line longer than the buffer: a bigger one, keeping what it holds
      const bigger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(bigger, 0, 0, carried);
      buffer = bigger;
    }
    const wanted = Math.min(buffer.length - carried, end - position);
    readExactlyInto(fd, carried, wanted, position);
    position += wanted;
    const filled = carried + wanted;
    // whole lines now; at the end of the range the last line is whole too
    const whole = position === end ? filled : buffer.lastIndexOf(NEWLINE, filled - 1) + 1;
    if (whole > 0) {
      const lines = linesHolding(buffer.subarray(0, whole), needle);
      for (let i = 0; i < lines.length; i++) found.push(lines[i]!);
    }
    buffer.copy(buffer, 0, whole, filled);
    carried = filled - whole;
  }
  return found;
}

/** The file's first line (without its newline) and its length in bytes, read through the shared buffer; undefined when no newline comes within `maxBytes`. */
export function readFirstLine(fd: number, maxBytes: number): { text: string; bytes: number } | undefined {
  let read = 0;
  while (read < maxBytes) {
    if (read === buffer.length) {
      const bigger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(bigger, 0, 0, read);
      buffer = bigger;
    }
    // a header is usually a few hundred bytes: read a little first, twice as much each time it is longer
    const n = readSync(fd, buffer, read, Math.min(buffer.length, maxBytes, read + Math.max(FIRST_READ_BYTES, read)) - read, read);
    if (n === 0) return undefined;
    const newline = buffer.subarray(0, read + n).indexOf(NEWLINE, read);
    read += n;
    if (newline >= 0) return { text: buffer.toString('utf8', 0, newline), bytes: newline };
  }
  return undefined;
}
