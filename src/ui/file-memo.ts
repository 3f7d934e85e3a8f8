/**
 * Parsed town files kept between requests of a long-lived server, each
 * re-read as soon as the one cache rule (store/stat-cache.ts) says so: its
 * stat changed, or it was still inside the racy window when last read. A
 * board at 10,000 tasks then costs a readdir and a stat per file on every
 * refresh instead of a read and a parse; the stat is checked every time, so
 * the memo is never trusted over the file.
 */
import { lstatSync, type Stats } from 'node:fs';
import path from 'node:path';
import { readTownFile, toProblem, type Listing, type Problem } from '../store/reader.js';
import { isReusable, statStamp, type StatStamp } from '../store/stat-cache.js';

type Outcome<T> = { value: T } | { problem: Problem };

interface Entry<T> {
  stamp: StatStamp;
  outcome: Outcome<T>;
}

export class FileMemo<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly root: string,
    private readonly parse: (text: string, file: string) => T,
    /** Entries kept at most; past it the memo starts afresh (a board shows pages, not every file). */
    private readonly maxEntries = Number.POSITIVE_INFINITY,
  ) {}

  /** One file, parsed or its problem; undefined when it does not exist. `now`: Date.now() taken before this call. */
  read(file: string, now = Date.now()): Outcome<T> | undefined {
    let stat: Stats;
    try {
      stat = lstatSync(path.join(this.root, file));
    } catch {
      this.entries.delete(file);
      return undefined;
    }
    if (stat.isSymbolicLink()) return { problem: { file, message: 'is a symlink; tt does not follow symlinks in the town' } };
    const known = this.entries.get(file);
    if (known && isReusable(known.stamp, stat)) return known.outcome;
    const stamp = statStamp(stat, now);
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
    const now = Date.now();
    for (const file of files) {
      const outcome = this.read(file, now);
      if (!outcome) continue;
      if ('value' in outcome) items.push(outcome.value);
      else problems.push(outcome.problem);
    }
    for (const file of this.entries.keys()) if (!listed.has(file) && forget(file)) this.entries.delete(file);
    return { items, problems };
  }
}
