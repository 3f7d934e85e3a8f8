/**
 * Parsed town files kept between requests of a long-lived server, each
 * re-read as soon as its stat changes. A board at 10,000 tasks then costs a
 * readdir and a stat per file on every refresh instead of a read and a parse;
 * the stat is checked every time, so the memo is never trusted over the file.
 */
import { lstatSync, type BigIntStats } from 'node:fs';
import path from 'node:path';
import { readTownFile, toProblem, type Listing, type Problem } from '../store/reader.js';

type Outcome<T> = { value: T } | { problem: Problem };

interface Entry<T> {
  stamp: string;
  outcome: Outcome<T>;
}

/** Size, times to the nanosecond and inode: a rewrite (atomic rename or in place) changes at least one. */
function stampOf(stat: BigIntStats): string {
  return `${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}:${stat.ino}`;
}

export class FileMemo<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly root: string,
    private readonly parse: (text: string, file: string) => T,
    /** Entries kept at most; past it the memo starts afresh (a board shows pages, not every file). */
    private readonly maxEntries = Number.POSITIVE_INFINITY,
  ) {}

  /** One file, parsed or its problem; undefined when it does not exist. */
  read(file: string): Outcome<T> | undefined {
    let stat: BigIntStats;
    try {
      stat = lstatSync(path.join(this.root, file), { bigint: true });
    } catch {
      this.entries.delete(file);
      return undefined;
    }
    if (stat.isSymbolicLink()) return { problem: { file, message: 'is a symlink; tt does not follow symlinks in the town' } };
    const stamp = stampOf(stat);
    const known = this.entries.get(file);
    if (known?.stamp === stamp) return known.outcome;
    let outcome: Outcome<T>;
    try {
      outcome = { value: this.parse(readTownFile(this.root, file), file) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      outcome = { problem: toProblem(file, error) };
    }
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(file, { stamp, outcome });
    return outcome;
  }

  /** These files (a folder's listing), parsed; entries for files no longer listed are dropped. */
  readAll(files: readonly string[], forget: (file: string) => boolean = () => true): Listing<T> {
    const items: T[] = [];
    const problems: Problem[] = [];
    const listed = new Set(files);
    for (const file of files) {
      const outcome = this.read(file);
      if (!outcome) continue;
      if ('value' in outcome) items.push(outcome.value);
      else problems.push(outcome.problem);
    }
    for (const file of this.entries.keys()) if (!listed.has(file) && forget(file)) this.entries.delete(file);
    return { items, problems };
  }
}
