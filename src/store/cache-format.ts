/**
 * The file a folder's parsed-file cache lives in (record-cache.ts): its
 * header's length in bytes as one line, a JSON header (format, folder, the
 * problems of files that do not parse, section lengths in bytes, the folder's
 * listing), then the sections back to back: the file names (NUL-separated:
 * the one byte no file name holds), their stamps (float64, FINGERPRINT_FIELDS
 * a name), every record as one JSON array, then each view's text.
 *
 * Names and stamps are binary because every read of a big folder needs them
 * all: at 10,000 tasks, parsing and checking them as JSON (50,000 values) cost
 * about as much as the 10,000 lstat calls they are compared with. Stamps are
 * in this machine's byte order: the cache is local state (state-dir.ts), and a
 * file from another machine is at worst a cache miss.
 *
 * Everything here checks what it reads: the file is disposable and may be
 * damaged or foreign.
 */
import { readSync } from 'node:fs';
import { FINGERPRINT_FIELDS, isFingerprint, type Fingerprint } from './stat-cache.js';

declare const TINYTOWN_VERSION: string | undefined;

/** Records change shape between versions, so a cache is only ever read by the version that wrote it. */
export const FORMAT = `tinytown-parsed-6/${typeof TINYTOWN_VERSION === 'string' ? TINYTOWN_VERSION : 'dev'}`;
/** The first line: the header's length in bytes, as this many digits. */
export const LENGTH_DIGITS = 12;

export interface CachedProblem {
  message: string;
  line?: number;
}

export interface Header {
  format: string;
  dir: string;
  names: string[];
  /** The fingerprint (stat-cache.ts) of each name, one after the other. */
  stamps: Float64Array;
  /** [index into names, problem] for the files that did not parse. */
  problems: Array<[number, CachedProblem]>;
  /** Bytes of the records section (a JSON array, null where a problem is). */
  records: number;
  /** [id, bytes, records it was made from] of each view section. */
  views: Array<[id: string, bytes: number, count: number]>;
  /**
   * The folder's Markdown names (in directory order; null: the same as
   * `names`, which is the usual case), and the folder's fingerprint when
   * they were listed.
   */
  listing?: { names: string[] | null; folder: Fingerprint };
}

/** The JSON part of the header: names and stamps are sections of their own. */
interface StoredHeader extends Omit<Header, 'names' | 'stamps'> {
  /** How many names (and stamps). */
  count: number;
  /** Bytes of the names section. */
  namesBytes: number;
}

const NAME_SEPARATOR = '\0';
const STAMP_BYTES = Float64Array.BYTES_PER_ELEMENT;

/** Values JSON.parse(JSON.stringify(value)) gives back exactly. */
export function isJsonPlain(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.every(isJsonPlain);
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  if (Object.hasOwn(value, '__proto__')) return false;
  return Object.values(value).every(isJsonPlain);
}

const isNumber = (value: unknown): value is number => typeof value === 'number';

function isStoredHeader(value: unknown, dir: string): value is StoredHeader {
  if (value === null || typeof value !== 'object') return false;
  const header = value as Partial<StoredHeader>;
  return header.format === FORMAT && header.dir === dir &&
    Number.isSafeInteger(header.count) && header.count! >= 0 && Number.isSafeInteger(header.namesBytes) && header.namesBytes! >= 0 &&
    Array.isArray(header.problems) && header.problems.every((p) => Array.isArray(p) && isNumber(p[0]) && typeof p[1]?.message === 'string') &&
    isNumber(header.records) &&
    Array.isArray(header.views) && header.views.every((v) => Array.isArray(v) && typeof v[0] === 'string' && isNumber(v[1]) && isNumber(v[2])) &&
    (header.listing === undefined || ((header.listing.names === null || (Array.isArray(header.listing.names) && header.listing.names.every((name) => typeof name === 'string'))) &&
      isFingerprint(header.listing.folder)));
}

/** How decodeHeader reads the file: bytes at a position, or into an array it made (both throw when the file is cut short). */
export interface CacheReader {
  read(length: number, position: number): Buffer;
  readInto(target: Uint8Array, position: number): void;
}

/**
 * The header of a cache file, and the offset of its first section (the
 * records); undefined when it is not a cache file of `dir` in this format.
 * Throws when the file is cut short.
 */
export function decodeHeader(file: CacheReader, dir: string): { header: Header; start: number } | undefined {
  const headerBytes = Number(file.read(LENGTH_DIGITS + 1, 0).toString('latin1', 0, LENGTH_DIGITS));
  if (!Number.isSafeInteger(headerBytes) || headerBytes <= 0) return undefined;
  const stored: unknown = JSON.parse(file.read(headerBytes, LENGTH_DIGITS + 1).toString('utf8'));
  if (!isStoredHeader(stored, dir)) return undefined;
  const { count, namesBytes, ...rest } = stored;
  const namesAt = LENGTH_DIGITS + 1 + headerBytes;
  const names = count === 0 ? [] : file.read(namesBytes, namesAt).toString('utf8').split(NAME_SEPARATOR);
  if (names.length !== count || names.some((name) => name === '')) return undefined;
  // read straight into the array (a Float64Array needs an aligned offset, which a section inside a Buffer does not have)
  const stamps = new Float64Array(count * FINGERPRINT_FIELDS);
  file.readInto(new Uint8Array(stamps.buffer), namesAt + namesBytes);
  return { header: { ...rest, names, stamps }, start: namesAt + namesBytes + stamps.byteLength };
}

export function readExactlyInto(fd: number, target: Uint8Array, position: number): void {
  let read = 0;
  while (read < target.length) {
    const n = readSync(fd, target, read, target.length - read, position + read);
    if (n === 0) throw new Error('cut short');
    read += n;
  }
}

export function readExactly(fd: number, length: number, position: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  readExactlyInto(fd, buffer, position);
  return buffer;
}

/** The whole file for a header (its length filled in here) and its sections. */
export function encodeCacheFile(header: Header, sections: readonly Buffer[]): Buffer {
  const { names, stamps, ...rest } = header;
  const namesBuffer = Buffer.from(names.join(NAME_SEPARATOR));
  const stored: StoredHeader = { ...rest, count: names.length, namesBytes: namesBuffer.length };
  const headerBuffer = Buffer.from(JSON.stringify(stored));
  const stampsBuffer = Buffer.from(stamps.buffer, stamps.byteOffset, stamps.byteLength);
  return Buffer.concat([Buffer.from(`${String(headerBuffer.length).padStart(LENGTH_DIGITS, '0')}\n`), headerBuffer, namesBuffer, stampsBuffer, ...sections]);
}

/** The listing holds exactly the cached names (which are sorted), in any order. */
export function sameNames(listing: readonly string[] | null, sortedNames: readonly string[]): boolean {
  if (listing === null || listing.length !== sortedNames.length) return listing === null;
  const sorted = [...listing].sort();
  return sorted.every((name, i) => name === sortedNames[i]);
}
