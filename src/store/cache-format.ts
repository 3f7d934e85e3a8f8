/**
 * The file a folder's parsed-file cache lives in (record-cache.ts): its
 * header's length in bytes as one line, a JSON header (format, folder, file
 * names with their stamps, the problems of files that do not parse, section
 * lengths in bytes, the folder's listing), then the sections back to back:
 * every record as one JSON array, then each view's text. Everything here
 * checks what it reads: the file is disposable and may be damaged or foreign.
 */
import { readSync } from 'node:fs';
import { FINGERPRINT_FIELDS, isFingerprint, type Fingerprint } from './stat-cache.js';

declare const TINYTOWN_VERSION: string | undefined;

/** Records change shape between versions, so a cache is only ever read by the version that wrote it. */
export const FORMAT = `tinytown-parsed-4/${typeof TINYTOWN_VERSION === 'string' ? TINYTOWN_VERSION : 'dev'}`;
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
  stamps: number[];
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

export function isHeader(value: unknown, dir: string): value is Header {
  if (value === null || typeof value !== 'object') return false;
  const header = value as Partial<Header>;
  return header.format === FORMAT && header.dir === dir &&
    Array.isArray(header.names) && header.names.every((name) => typeof name === 'string') &&
    Array.isArray(header.stamps) && header.stamps.length === header.names.length * FINGERPRINT_FIELDS && header.stamps.every(isNumber) &&
    Array.isArray(header.problems) && header.problems.every((p) => Array.isArray(p) && isNumber(p[0]) && typeof p[1]?.message === 'string') &&
    isNumber(header.records) &&
    Array.isArray(header.views) && header.views.every((v) => Array.isArray(v) && typeof v[0] === 'string' && isNumber(v[1]) && isNumber(v[2])) &&
    (header.listing === undefined || ((header.listing.names === null || (Array.isArray(header.listing.names) && header.listing.names.every((name) => typeof name === 'string'))) &&
      isFingerprint(header.listing.folder)));
}

export function readExactly(fd: number, length: number, position: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let read = 0;
  while (read < length) {
    const n = readSync(fd, buffer, read, length - read, position + read);
    if (n === 0) throw new Error('cut short');
    read += n;
  }
  return buffer;
}

/** The whole file for a header (its length filled in here) and its sections. */
export function encodeCacheFile(header: Header, sections: readonly Buffer[]): Buffer {
  const headerBuffer = Buffer.from(JSON.stringify(header));
  return Buffer.concat([Buffer.from(`${String(headerBuffer.length).padStart(LENGTH_DIGITS, '0')}\n`), headerBuffer, ...sections]);
}

/** The listing holds exactly the cached names (which are sorted), in any order. */
export function sameNames(listing: readonly string[] | null, sortedNames: readonly string[]): boolean {
  if (listing === null || listing.length !== sortedNames.length) return listing === null;
  const sorted = [...listing].sort();
  return sorted.every((name, i) => name === sortedNames[i]);
}
