/**
 * Parsed town files kept between tt processes, one cache file per folder
 * under the state folder's cache/parsed/. Reading 50,000 messages is 50,000 opens, reads and
 * parses; with the cache it is 50,000 lstat calls, and a command whose output
 * was derived from exactly these files before (a view) does not even parse.
 *
 * Never trusted over the file: an entry is used only under the one cache rule
 * (stat-cache.ts): the file's stat unchanged, and outside the racy window when
 * it was read (a file that had not settled is not cached at all). The same
 * holds for the folder's listing. Only records that survive a JSON round trip
 * are cached (YAML can produce dates, which JSON cannot hold). The cache is
 * disposable: a damaged, foreign, cut-short or unreadable cache file is
 * ignored and rewritten, and one that cannot be written is not.
 *
 * The file's layout is in cache-format.ts; a section of it is read only when
 * it is needed, from the same file the header came from.
 */
import { closeSync, constants, fstatSync, openSync, renameSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import { randomBase32 } from '../core/ids.js';
import { ensureDir } from './fs-safe.js';
import { localStateDir } from './state-dir.js';
import { linesHolding, linesHoldingInFile } from './line-scan.js';
import { decodeHeader, encodeCacheFile, FORMAT, isJsonPlain, readExactly, readExactlyInto, sameNames, type CachedProblem, type Header } from './cache-format.js';
import { FINGERPRINT_FIELDS, fingerprint, isSettled, sameFingerprint, type Fingerprint, type StatFields } from './stat-cache.js';

export type { CachedProblem } from './cache-format.js';

/** The cache files' folder, inside the local state folder (store/state-dir.ts). */
export const PARSED_CACHE_DIR = 'cache/parsed';
const READ_WHOLE_BYTES = 64 * 1024;
/**
 * A cache without a new view is rewritten once this share of its entries
 * changed: reading a file again costs about as much as writing 64 entries.
 */
const REWRITE_AFTER_SHARE = 1 / 64;

/** What a file was: its record, or why it is not one. */
export type Outcome<T> = { record: T } | { problem: CachedProblem };

export interface CachedView {
  /** The view's text, UTF-8 (kept as bytes: it is written out as it was read). */
  bytes: Buffer;
  /** How many records the view was made from. */
  count: number;
}

/** Which file the header was read from: sections are read later only from that very file. */
interface Source {
  fingerprint: Fingerprint;
  /** Byte offset of the first section. */
  start: number;
}

/**
 * One folder's cache during one command: check files by stat, hand out what
 * is still valid, learn what was read, and save once at the end when
 * anything changed.
 */
export class FolderCache<T> {
  private header: Header | undefined;
  private source: Source | undefined;
  /** The whole cache file, when it is small enough to read in one go. */
  private whole: Buffer | undefined;
  /** Listing order is the header's order: a cursor finds most names without a map. */
  private cursor = 0;
  private index: Map<string, number> | undefined;
  private records: unknown[] | undefined;
  private problemsByIndex: Map<number, CachedProblem> | undefined;
  private readonly oldViews = new Map<string, CachedView>();
  /** hits[i]: the cached file names[i] is listed and unchanged this pass. */
  private hits = new Uint8Array(0);
  private hitCount = 0;
  /** The listing of this pass, when it can be kept. */
  private listed: Header['listing'];
  /** Files read this pass whose outcome will be cached. */
  private readonly fresh = new Map<string, { stamp: readonly number[]; outcome: Outcome<T> }>();
  private readonly newViews = new Map<string, CachedView>();
  /** Something was read from a file this pass (the entry set or a view may be out of date). */
  private learned = false;
  /** Everything this pass read is cacheable: a view made now is still valid next time. */
  private complete = true;
  /** Before any file of this pass was read: every read happened at or after this instant. */
  private readonly readFrom = Date.now();
  private constructor(readonly root: string, readonly dir: string, private readonly file: string, wantedView: string | undefined) {
    this.load(wantedView);
  }

  /**
   * `name` says which cache file under the state folder's cache/parsed/ holds the folder `dir`
   * (relative to the root); `view` is the view this pass may use, read with the header.
   */
  static open<T>(root: string, dir: string, name: string, view?: string): FolderCache<T> {
    return new FolderCache<T>(root, dir, path.join(localStateDir(root), PARSED_CACHE_DIR, `${name}.json`), view);
  }

  private load(wantedView: string | undefined): void {
    let fd: number;
    try {
      fd = openSync(this.file, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch {
      return;
    }
    try {
      const stat = fstatSync(fd);
      // A small cache is read whole, once; a large one a section at a time, as needed.
      if (stat.size <= READ_WHOLE_BYTES) this.whole = readExactly(fd, stat.size, 0);
      const whole = this.whole;
      const read = (length: number, position: number) => {
        if (!whole) return readExactly(fd, length, position);
        if (position + length > whole.length) throw new Error('cut short');
        return whole.subarray(position, position + length);
      };
      const readInto = (target: Uint8Array, position: number) => (whole ? read(target.length, position).copy(target) : readExactlyInto(fd, target, position));
      const decoded = decodeHeader({ read, readInto }, this.dir);
      if (!decoded) return;
      const { header, start } = decoded;
      const sections = header.records + header.views.reduce((sum, view) => sum + view[1], 0);
      if (stat.size !== start + sections) return;
      this.header = header;
      this.hits = new Uint8Array(header.names.length);
      this.source = { fingerprint: fingerprint(stat), start };
      let offset = start + header.records;
      for (const [id, bytes, count] of header.views) {
        if (id === wantedView) this.oldViews.set(id, { bytes: read(bytes, offset), count });
        offset += bytes;
      }
    } catch {
      this.header = undefined;
      this.source = undefined;
      this.whole = undefined;
      this.hits = new Uint8Array(0);
    } finally {
      closeSync(fd);
    }
  }

  /** A section of the file the header came from; undefined when that file is gone or was replaced since. */
  private readSection(offset: number, bytes: number): Buffer | undefined {
    const source = this.source;
    if (!source) return undefined;
    if (this.whole) return this.whole.subarray(source.start + offset, source.start + offset + bytes);
    return this.inSource((fd, start) => readExactly(fd, bytes, start + offset));
  }

  /**
   * The lines of a section that hold `needle`, scanned in the file the header
   * came from (line-scan.ts: a small buffer, never the whole section in new
   * memory); undefined when that file is gone or was replaced since.
   */
  private scanSection(offset: number, bytes: number, needle: Buffer): string[] | undefined {
    const source = this.source;
    if (!source) return undefined;
    if (this.whole) return linesHolding(this.whole.subarray(source.start + offset, source.start + offset + bytes), needle);
    return this.inSource((fd, start) => linesHoldingInFile(fd, start + offset, bytes, needle));
  }

  /** `read` on the file the header came from, opened again (no symlink followed); undefined when it is gone or was replaced since. */
  private inSource<T>(read: (fd: number, start: number) => T): T | undefined {
    const source = this.source;
    if (!source) return undefined;
    let fd: number;
    try {
      fd = openSync(this.file, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch {
      return undefined;
    }
    try {
      if (!sameFingerprint(fstatSync(fd), source.fingerprint)) return undefined;
      return read(fd, source.start);
    } catch {
      return undefined;
    } finally {
      closeSync(fd);
    }
  }

  /** Every view the file holds (those not read at open are read now); kept when the entries are. */
  private allOldViews(): Map<string, CachedView> {
    const views = new Map<string, CachedView>();
    const header = this.header;
    if (!header) return views;
    let offset = header.records;
    for (const [id, bytes, count] of header.views) {
      const loaded = this.oldViews.get(id) ?? { bytes: this.readSection(offset, bytes), count };
      if (loaded.bytes) views.set(id, { bytes: loaded.bytes, count });
      offset += bytes;
    }
    return views;
  }

  private indexOf(fileName: string): number | undefined {
    const names = this.header?.names;
    if (!names) return undefined;
    if (names[this.cursor] === fileName) return this.cursor++;
    this.index ??= new Map(names.map((name, i) => [name, i]));
    return this.index.get(fileName);
  }

  /**
   * Where `fileName` is in the cache when it is there with `stat` (its lstat
   * now) unchanged, else -1. A file found is then `cached(index)`.
   */
  validate(fileName: string, stat: (StatFields & { isFile(): boolean }) | undefined): number {
    if (!stat?.isFile()) return -1;
    const i = this.indexOf(fileName);
    if (i === undefined) return -1;
    // Only settled stamps are stored (learn), so an unchanged one is reusable.
    if (!sameFingerprint(stat, this.header!.stamps, i * FINGERPRINT_FIELDS)) return -1;
    if (this.hits[i] === 0) this.hitCount++;
    this.hits[i] = 1;
    return i;
  }

  /** The outcome of a validated file; undefined when the cache turned out unreadable (read the file instead). */
  cached(index: number): Outcome<T> | undefined {
    return this.hits[index] === 1 ? this.outcomeAt(index) : undefined;
  }

  hasCachedProblems(): boolean {
    return (this.header?.problems.length ?? 0) > 0;
  }

  /** The cached problem of a validated file that does not parse; never reads the records. */
  cachedProblem(index: number): CachedProblem | undefined {
    return this.hits[index] === 1 ? this.problemAt(index) : undefined;
  }

  private problemAt(i: number): CachedProblem | undefined {
    this.problemsByIndex ??= new Map(this.header?.problems ?? []);
    return this.problemsByIndex.get(i);
  }

  private outcomeAt(i: number): Outcome<T> | undefined {
    const problem = this.problemAt(i);
    if (problem) return { problem };
    const record = this.parsedRecords()[i];
    return record !== null && typeof record === 'object' ? { record: record as T } : undefined;
  }

  private parsedRecords(): unknown[] {
    if (this.records === undefined) {
      this.records = [];
      const text = this.header ? this.readSection(0, this.header.records)?.toString('utf8') : undefined;
      try {
        const parsed: unknown = text === undefined ? undefined : JSON.parse(text);
        if (Array.isArray(parsed) && parsed.length === this.header?.names.length) this.records = parsed;
      } catch {
        // damaged: every file is read again, and the cache rewritten
      }
    }
    return this.records;
  }

  /** What reading `fileName` gave; kept when the file had settled and the outcome can be stored. */
  learn(fileName: string, stat: Stats | undefined, outcome: Outcome<T>): void {
    this.learned = true;
    const stamp = stat ? fingerprint(stat) : undefined;
    if (stamp === undefined || !isSettled(stamp, this.readFrom) || !isJsonPlain('record' in outcome ? outcome.record : outcome.problem)) {
      this.complete = false;
      return;
    }
    this.fresh.set(fileName, { stamp, outcome });
  }

  /**
   * The folder's Markdown names from the last listing, while `folderStat`
   * (its lstat now) has the fingerprint it had then (stat-cache.ts): the names
   * cannot have changed (a file's content still can: each file is checked).
   */
  listing(folderStat: Stats): string[] | undefined {
    const listing = this.header?.listing;
    if (!listing) return undefined;
    if (!sameFingerprint(folderStat, listing.folder)) return undefined;
    const names = listing.names ?? this.header!.names;
    this.listed = { names, folder: listing.folder };
    return names;
  }

  /** The names a readdir just gave, under the folder's stat taken before it: kept when the folder had settled. */
  learnListing(folderStat: Stats | undefined, names: string[]): void {
    const folder = folderStat ? fingerprint(folderStat) : undefined;
    this.listed = folder && isSettled(folder, this.readFrom) ? { names, folder } : undefined;
  }

  /** Nothing was read and every cached file is listed unchanged. */
  private unchanged(): boolean {
    return !this.learned && this.hitCount === (this.header?.names.length ?? 0);
  }

  /** A view stored earlier (and named at open), when every file it was made from is unchanged and no other file appeared. */
  view(id: string): CachedView | undefined {
    return this.header && this.unchanged() ? this.oldViews.get(id) : undefined;
  }

  /**
   * `view(id)` searched instead of read: the lines of the stored view that
   * hold `needle`, read from the cache file through a small buffer. For a view
   * of one line per record that only a few lines of are wanted (tt search); the
   * cache must have been opened without asking for this view.
   */
  scanView(id: string, needle: Buffer): { lines: string[]; count: number } | undefined {
    const header = this.header;
    if (!header || !this.unchanged()) return undefined;
    let offset = header.records;
    for (const [viewId, bytes, count] of header.views) {
      if (viewId === id) {
        const lines = this.scanSection(offset, bytes, needle);
        return lines && { lines, count };
      }
      offset += bytes;
    }
    return undefined;
  }

  /** Keeps a view made from this pass's records (only when they are all cached, or it could not be checked next time). */
  storeView(id: string, view: CachedView): void {
    if (this.complete) this.newViews.set(id, view);
  }

  /**
   * Writes the cache when this pass made a view, or learned (or lost) enough
   * entries to be worth rewriting the whole file for: a few files read again
   * cost less than rewriting a cache of thousands each time one of them
   * changes, in a town where something changes all the time. Best effort,
   * atomic, never an error.
   */
  save(): void {
    const kept = this.header?.names.length ?? 0;
    const sameEntries = this.fresh.size === 0 && this.hitCount === kept;
    const changes = this.fresh.size + (kept - this.hitCount);
    const worthIt = changes >= Math.max(1, kept * REWRITE_AFTER_SHARE);
    // a first listing is worth a rewrite; a newer one (the folder changes with every write in it) comes with the next
    const firstListing = this.listed !== undefined && this.header !== undefined && this.header.listing === undefined;
    if (this.newViews.size === 0 && !firstListing && (sameEntries || !worthIt)) return;
    const temp = `${this.file}.${process.pid}.${randomBase32(6)}.tmp`;
    try {
      const content = this.serialize(sameEntries);
      if (content === undefined) return;
      ensureDir(localStateDir(this.root), PARSED_CACHE_DIR);
      writeFileSync(temp, content);
      renameSync(temp, this.file);
    } catch {
      // the cache is an optimisation: a read never fails because its cache cannot be written
      try {
        unlinkSync(temp);
      } catch {
        // no temp file was left
      }
    }
  }

  private serialize(keepOldViews: boolean): Buffer | undefined {
    const names: string[] = [];
    const stamps: number[] = [];
    const problems: Array<[number, CachedProblem]> = [];
    const records: unknown[] = [];
    const entries: Array<[name: string, stamp: readonly number[], outcome: Outcome<T> | undefined]> = [];
    const old = this.header;
    if (old) {
      this.hits.forEach((hit, i) => {
        if (hit === 1) entries.push([old.names[i]!, Array.from(old.stamps.subarray(i * FINGERPRINT_FIELDS, (i + 1) * FINGERPRINT_FIELDS)), this.outcomeAt(i)]);
      });
    }
    for (const [name, { stamp, outcome }] of this.fresh) entries.push([name, stamp, outcome]);
    // in listing order, which is the order the next pass asks in
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [name, stamp, outcome] of entries) {
      if (!outcome) return undefined; // the old cache was unreadable after all: start over next time
      if ('problem' in outcome) problems.push([names.length, outcome.problem]);
      records.push('record' in outcome ? outcome.record : null);
      names.push(name);
      stamps.push(...stamp);
    }
    // A view of entries that did not change stays valid; `inbox --all` and `inbox AGENT` keep one each.
    const views = keepOldViews ? this.allOldViews() : new Map<string, CachedView>();
    for (const [id, view] of this.newViews) views.set(id, view);
    const sections = [Buffer.from(JSON.stringify(records)), ...[...views.values()].map((view) => view.bytes)];
    const header: Header = {
      format: FORMAT, dir: this.dir, names, stamps: Float64Array.from(stamps), problems, records: sections[0]!.length,
      views: [...views].map(([id, view], i) => [id, sections[i + 1]!.length, view.count]),
      ...(this.listed ? { listing: { names: sameNames(this.listed.names, names) ? null : this.listed.names, folder: this.listed.folder } } : {}),
    };
    return encodeCacheFile(header, sections);
  }
}
