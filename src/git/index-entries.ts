/**
 * Step 5 of the commit path without a process: the index entries of exactly
 * the committed paths set in the index file, as `git update-index
 * --index-info` sets them (gitformat-index(5)):
 *
 * - an entry gets the committed mode and blob, stage 0, and no stat data
 *   (all zero, as --index-info leaves it: git rehashes such an entry before
 *   trusting it, so it can never pass for "clean" wrongly);
 * - a removed path loses its entry;
 * - the cache tree (TREE extension) of every folder above a changed path is
 *   invalidated, as git's cache_tree_invalidate_path does; the rest of it,
 *   every other entry and the resolve-undo data (REUC) are kept byte for
 *   byte; the end-of-index and offset-table extensions (EOIE, IEOT: offsets
 *   into the old layout, both optional) are left out;
 * - the file ends with the hash of its content.
 *
 * Why: the one git process left in a write costs ~10 ms in a small
 * repository, and `update-index` rewrites the whole index in git's own time
 * (~130–200 ms for 100,000 files here); this reads and writes the same bytes
 * in ~15–40 ms. Figures in commit-builder.ts.
 *
 * Anything else is git's: index version 4 (prefix-compressed paths), a
 * split index, the untracked cache, fsmonitor data, a sparse index, an
 * unknown extension, a skip-hash index, a conflict or a file/folder clash at
 * a changed path. Then the answer is false and the caller runs git.
 */
import { closeSync, fchmodSync, fstatSync, fsyncSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import type { IndexEntry } from './commit-builder.js';
import { digest } from './object-hash.js';
import type { ObjectFormat } from './trees.js';

const SIGNATURE = 0x44495243; // "DIRC"
const STAT_BYTES = 40;
const EXTENDED_FLAG = 0x4000;
const STAGE_MASK = 0x3000;
const NAME_MASK = 0x0fff;
/** Extensions this module understands: kept, rewritten or left out; any other makes git do the update. */
const KEPT = new Set(['REUC']);
const DROPPED = new Set(['EOIE', 'IEOT']);

interface Parsed {
  version: number;
  /** Where each entry starts, where its path starts and ends, and its stage (in index order, which is path byte order). */
  starts: Int32Array;
  names: Int32Array;
  nameEnds: Int32Array;
  stages: Uint8Array;
  count: number;
  /** Where the entries end (the first extension, or the hash). */
  entriesEnd: number;
  /** Extension byte ranges (header included), by signature, in file order. */
  extensions: Array<{ signature: string; start: number; end: number }>;
}

function hashSize(format: ObjectFormat): number {
  return format === 'sha256' ? 32 : 20;
}

/** Reads the index's layout; undefined where this module leaves the work to git. */
function parse(data: Buffer, format: ObjectFormat): Parsed | undefined {
  const hashBytes = hashSize(format);
  if (data.length < 12 + hashBytes || data.readUInt32BE(0) !== SIGNATURE) return undefined;
  const version = data.readUInt32BE(4);
  if (version !== 2 && version !== 3) return undefined;
  const bodyEnd = data.length - hashBytes;
  const trailer = data.subarray(bodyEnd);
  if (trailer.every((byte) => byte === 0)) return undefined; // index.skipHash
  if (!digest(format, [data.subarray(0, bodyEnd)]).equals(trailer)) return undefined;
  const count = data.readUInt32BE(8);
  // Typed arrays and the name length from the flags (no search for the NUL): 100,000 entries are scanned in a few ms.
  if (count > (bodyEnd - 12) / (STAT_BYTES + hashBytes + 2 + 8)) return undefined;
  const parsed: Parsed = {
    version, count, starts: new Int32Array(count), names: new Int32Array(count), nameEnds: new Int32Array(count), stages: new Uint8Array(count),
    entriesEnd: 0, extensions: [],
  };
  let offset = 12;
  const flagsAt = STAT_BYTES + hashBytes;
  for (let i = 0; i < count; i++) {
    if (offset + flagsAt + 2 > bodyEnd) return undefined;
    const flags = data.readUInt16BE(offset + flagsAt);
    const extended = (flags & EXTENDED_FLAG) !== 0;
    if (extended && version < 3) return undefined;
    const nameAt = offset + flagsAt + 2 + (extended ? 2 : 0);
    const length = flags & NAME_MASK;
    const nul = length < NAME_MASK ? nameAt + length : data.indexOf(0, nameAt);
    if (nul < nameAt || nul >= bodyEnd || data[nul] !== 0) return undefined;
    parsed.starts[i] = offset;
    parsed.names[i] = nameAt;
    parsed.nameEnds[i] = nul;
    parsed.stages[i] = (flags & STAGE_MASK) >> 12;
    // Entries are padded with 1–8 NULs to a multiple of 8 bytes from their start.
    offset += (nul - offset + 8) & ~7;
  }
  parsed.entriesEnd = offset;
  while (offset < bodyEnd) {
    if (offset + 8 > bodyEnd) return undefined;
    const signature = data.toString('latin1', offset, offset + 4);
    const end = offset + 8 + data.readUInt32BE(offset + 4);
    if (end > bodyEnd) return undefined;
    if (signature !== 'TREE' && !KEPT.has(signature) && !DROPPED.has(signature)) return undefined;
    parsed.extensions.push({ signature, start: offset, end });
    offset = end;
  }
  return parsed;
}

/** The first entry whose path is not before `name` (git orders entries by path bytes, then stage). */
function lowerBound(data: Buffer, parsed: Parsed, name: Buffer): number {
  let low = 0;
  let high = parsed.count;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (data.compare(name, 0, name.length, parsed.names[middle]!, parsed.nameEnds[middle]!) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

const pathIs = (data: Buffer, parsed: Parsed, at: number, name: Buffer) =>
  at < parsed.count && data.compare(name, 0, name.length, parsed.names[at]!, parsed.nameEnds[at]!) === 0;

/** Can this module set `name` alone: no conflict stages at it, no entry at a folder above it or inside it (git settles those)? */
function isPlainPath(data: Buffer, parsed: Parsed, file: string): boolean {
  const name = Buffer.from(file, 'utf8');
  const at = lowerBound(data, parsed, name);
  for (let i = at; pathIs(data, parsed, i, name); i++) if (parsed.stages[i] !== 0) return false;
  const parts = file.split('/');
  for (let i = 1; i < parts.length; i++) {
    const folder = Buffer.from(parts.slice(0, i).join('/'), 'utf8');
    if (pathIs(data, parsed, lowerBound(data, parsed, folder), folder)) return false;
  }
  const inside = Buffer.from(`${file}/`, 'utf8');
  const under = lowerBound(data, parsed, inside);
  return !(under < parsed.count && data.subarray(parsed.names[under]!, parsed.nameEnds[under]!).subarray(0, inside.length).equals(inside));
}

/** A new stage-0 entry with no stat data, as --index-info makes it. */
function newEntry(file: string, entry: { mode: string; id: string }, hashBytes: number): Buffer {
  const name = Buffer.from(file, 'utf8');
  const nameAt = STAT_BYTES + hashBytes + 2;
  const bytes = Buffer.alloc((nameAt + name.length + 8) & ~7);
  bytes.writeUInt32BE(Number.parseInt(entry.mode, 8), 24);
  Buffer.from(entry.id, 'hex').copy(bytes, STAT_BYTES);
  bytes.writeUInt16BE(Math.min(name.length, NAME_MASK), STAT_BYTES + hashBytes);
  name.copy(bytes, nameAt);
  return bytes;
}

/**
 * The TREE extension's data with every folder above `paths` invalidated
 * (entry count -1, no hash), the rest as it was; undefined when it cannot be read.
 * Its nodes are in pre-order: path component, NUL, "<entries> <subtrees>\n", then the hash when entries >= 0.
 */
function invalidateTrees(data: Buffer, paths: readonly string[], hashBytes: number): Buffer | undefined {
  const folders = new Set<string>(['']);
  for (const file of paths) {
    const parts = file.split('/');
    for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/'));
  }
  const out: Buffer[] = [];
  let offset = 0;
  const node = (prefix: string | undefined): boolean => {
    const start = offset;
    const nul = data.indexOf(0, start);
    const newline = nul < 0 ? -1 : data.indexOf(0x0a, nul);
    if (newline < 0) return false;
    const match = /^(-?\d+) (\d+)$/.exec(data.toString('latin1', nul + 1, newline));
    if (!match) return false;
    const valid = Number(match[1]) >= 0;
    const subtrees = Number(match[2]);
    const name = data.toString('utf8', start, nul);
    const full = prefix === undefined ? '' : prefix === '' ? name : `${prefix}/${name}`;
    offset = newline + 1 + (valid ? hashBytes : 0);
    if (offset > data.length) return false;
    if (folders.has(full)) out.push(data.subarray(start, nul + 1), Buffer.from(`-1 ${subtrees}\n`, 'latin1'));
    else out.push(data.subarray(start, offset));
    for (let i = 0; i < subtrees; i++) if (!node(full)) return false;
    return true;
  };
  if (!node(undefined) || offset !== data.length) return undefined;
  return Buffer.concat(out);
}

/**
 * The index file's bytes, in a buffer kept for the next call: fresh memory
 * costs a page fault per 4 KiB on first touch (~50 ms for a 13 MB index here,
 * more than reading it), and a watcher commits again and again. Safe to reuse:
 * writeIndexEntries is synchronous and done with it before it returns.
 */
let kept: Buffer | undefined;

function readIndex(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    if (!kept || kept.length < size) kept = Buffer.allocUnsafeSlow(Math.ceil(size * 1.25));
    let read = 0;
    while (read < size) {
      const got = readSync(fd, kept, read, size - read, read);
      if (got === 0) break;
      read += got;
    }
    return kept.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads and checks the index as a write would, and keeps only what makes the next
 * write cheaper: the read buffer, its memory touched, and the hash code loaded. A
 * long-running watcher calls it while idle, so its first commit after start is
 * not the slow one (fresh memory costs this VM ~20 µs per 4 KiB page on first
 * touch: ~60 ms for a 13 MB index, and loading node:crypto ~15 ms).
 */
export function warmIndexReads(file: string, format: ObjectFormat): void {
  const data = readIndex(file);
  if (data) parse(data, format);
}

/** writeSync may write less than asked (a signal, a full disk reported late): the rest is written until done. */
function writeAll(fd: number, bytes: Buffer): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
}

/**
 * Sets the entries in the index file `file` (written as a new file and
 * renamed over it, never in place: `file` may be a hard link to the index).
 * False, with `file` untouched, where git must do it (see the header).
 */
export function writeIndexEntries(file: string, entries: ReadonlyMap<string, IndexEntry>, format: ObjectFormat, fsync = false): boolean {
  const data = readIndex(file);
  if (!data) return false; // no index yet: git makes one
  const parsed = parse(data, format);
  if (!parsed) return false;
  const hashBytes = hashSize(format);
  const changed = [...entries.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  if (!changed.every((path) => isPlainPath(data, parsed, path))) return false;

  const chunks: Buffer[] = [Buffer.alloc(12)];
  let count = parsed.count;
  let copied = 0; // entries before this index are in chunks
  for (const path of changed) {
    const name = Buffer.from(path, 'utf8');
    const at = lowerBound(data, parsed, name);
    if (at > copied) chunks.push(data.subarray(parsed.starts[copied]!, at < parsed.count ? parsed.starts[at]! : parsed.entriesEnd));
    copied = at;
    if (pathIs(data, parsed, at, name)) {
      copied = at + 1; // replaced or removed (stage 0 only: isPlainPath)
      count--;
    }
    const entry = entries.get(path);
    if (entry) {
      chunks.push(newEntry(path, entry, hashBytes));
      count++;
    }
  }
  if (copied < parsed.count) chunks.push(data.subarray(parsed.starts[copied]!, parsed.entriesEnd));
  for (const extension of parsed.extensions) {
    if (DROPPED.has(extension.signature)) continue;
    if (extension.signature !== 'TREE') {
      chunks.push(data.subarray(extension.start, extension.end));
      continue;
    }
    const trees = invalidateTrees(data.subarray(extension.start + 8, extension.end), changed, hashBytes);
    if (!trees) return false;
    const header = Buffer.alloc(8);
    header.write('TREE', 0, 'latin1');
    header.writeUInt32BE(trees.length, 4);
    chunks.push(header, trees);
  }
  const head = chunks[0]!;
  head.writeUInt32BE(SIGNATURE, 0);
  head.writeUInt32BE(parsed.version, 4);
  head.writeUInt32BE(count, 8);
  chunks.push(digest(format, chunks));

  const temp = `${file}.${process.pid}.new`;
  // Named after this process: one left there was a dead process's that had this pid.
  try {
    unlinkSync(temp);
  } catch {
    // none
  }
  const fd = openSync(temp, 'wx');
  try {
    // The index's own permissions (core.sharedRepository makes git's group-writable).
    fchmodSync(fd, statSync(file).mode & 0o777);
    for (const chunk of chunks) writeAll(fd, chunk);
    if (fsync) fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  renameSync(temp, file);
  return true;
}
