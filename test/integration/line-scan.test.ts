/**
 * Scanning a cache file's lines through a small buffer (src/store/line-scan.ts)
 * finds exactly the lines a scan of the whole bytes finds: lines cut by a
 * chunk's end, lines longer than the buffer, multi-byte characters at a cut,
 * a range inside the file, and a file shorter than the range.
 */
import { closeSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepo } from '../helpers/repo.js';
import { linesHolding, linesHoldingInFile, readFirstLine } from '../../src/store/line-scan.js';

const CHUNK = 64 * 1024;

/** A line of about `length` bytes with a "needle" in it when `hit`; é and ✓ put multi-byte characters everywhere. */
function line(i: number, length: number, hit: boolean): string {
  const filler = `é${i}✓`.repeat(Math.ceil(length / 8)).slice(0, Math.max(1, length - 10));
  return hit ? `${filler.slice(0, filler.length >> 1)}needle${filler.slice(filler.length >> 1)}` : filler;
}

function withFile<T>(bytes: Buffer, use: (fd: number) => T): T {
  const file = path.join(tempRepo(), 'cache.json');
  writeFileSync(file, bytes);
  const fd = openSync(file, 'r');
  try {
    return use(fd);
  } finally {
    closeSync(fd);
  }
}

describe('linesHoldingInFile', () => {
  it('finds what a scan of the whole bytes finds, whatever the lines\' lengths and where the chunks cut them', () => {
    const needle = Buffer.from('needle');
    // lengths around the chunk size, many short lines, and lines of several chunks
    const lengths = [10, CHUNK - 1, CHUNK, CHUNK + 1, 3, 2 * CHUNK + 7, ...Array.from({ length: 5000 }, (_, i) => 20 + ((i * 37) % 300)), 5 * CHUNK, 1];
    const text = lengths.map((length, i) => `${line(i, length, i % 3 !== 1)}\n`).join('');
    const header = '{"a header":"é"}\n';
    const bytes = Buffer.from(header + text);
    const expected = linesHolding(Buffer.from(text), needle);
    expect(expected.length).toBeGreaterThan(3000);
    const start = Buffer.byteLength(header);
    withFile(bytes, (fd) => {
      expect(linesHoldingInFile(fd, start, bytes.length - start, needle)).toEqual(expected);
      // the last line without its newline is still a line
      expect(linesHoldingInFile(fd, start, bytes.length - start - 1, needle)).toEqual(expected);
      // a range that ends inside the file: only its lines (the last one cut where the range ends)
      const firstTwo = Buffer.byteLength(`${line(0, 10, true)}\n${line(1, CHUNK - 1, false)}\n`);
      expect(linesHoldingInFile(fd, start, firstTwo, needle)).toEqual([line(0, 10, true)]);
      expect(linesHoldingInFile(fd, start, 0, needle)).toEqual([]);
      expect(readFirstLine(fd, bytes.length)).toEqual({ text: header.slice(0, -1), bytes: start - 1 });
    });
  });

  it('throws when the file is shorter than the range (a cache cut short), and finds no first line without a newline', () => {
    withFile(Buffer.from('one needle\ntwo needle\n'), (fd) => {
      expect(() => linesHoldingInFile(fd, 0, 1000, Buffer.from('needle'))).toThrow(/cut short/);
      expect(readFirstLine(fd, 5)).toBeUndefined();
    });
    withFile(Buffer.from('x'.repeat(3 * CHUNK)), (fd) => {
      expect(readFirstLine(fd, 3 * CHUNK)).toBeUndefined();
    });
  });

  it('reads a first line longer than the buffer', () => {
    const first = 'h'.repeat(2 * CHUNK + 5);
    withFile(Buffer.from(`${first}\nrest\n`), (fd) => {
      expect(readFirstLine(fd, 10 * CHUNK)).toEqual({ text: first, bytes: first.length });
    });
  });
});
