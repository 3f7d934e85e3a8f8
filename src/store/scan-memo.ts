/**
 * Folders a scan of names found nothing in, remembered by the folder's stat.
 * Creating, removing or renaming an entry changes a folder's mtime and ctime,
 * so while both (and its inode) are unchanged, a scan of its names would find
 * the same nothing — `tt inbox --all` need not list 50,000 names again to
 * learn that nobody wrote mail by hand. As with the parsed-file cache
 * (record-cache.ts), a folder changed within SETTLE_MS of its scan is not
 * remembered, the memo lives in run/ (disposable), and a damaged one is ignored.
 */
import { lstatSync, readFileSync, renameSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import { randomBase32 } from '../core/ids.js';
import { ensureDir } from './fs-safe.js';
import { townPaths } from './paths.js';
import { SETTLE_MS } from './record-cache.js';

const FORMAT = 'tinytown-scan-memo-1';
const MEMO_DIR = `${townPaths.runDir}/cache`;

type Stamp = [mtimeMs: number, ctimeMs: number, ino: number];

function stampOf(stat: Stats): Stamp {
  return [stat.mtimeMs, stat.ctimeMs, stat.ino];
}

export class ScanMemo {
  private readonly known = new Map<string, Stamp>();
  private readonly seen = new Map<string, Stamp | undefined>();
  private changed = false;
  private readonly scanFrom = Date.now();

  private constructor(private readonly root: string, private readonly file: string) {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { format?: unknown; folders?: unknown };
      if (parsed.format === FORMAT && parsed.folders !== null && typeof parsed.folders === 'object') {
        for (const [dir, stamp] of Object.entries(parsed.folders as Record<string, unknown>)) {
          if (Array.isArray(stamp) && stamp.length === 3 && stamp.every((n) => typeof n === 'number')) this.known.set(dir, stamp as Stamp);
        }
      }
    } catch {
      // none yet, or damaged: every folder is scanned
    }
  }

  /** `name` says which kind of scan this memo is for (one file under run/cache/). */
  static open(root: string, name: string): ScanMemo {
    return new ScanMemo(root, path.join(root, MEMO_DIR, `scan-${name}.json`));
  }

  /** True when `relDir` was scanned empty and has not changed since; otherwise scan it (and say what was found). */
  unchanged(relDir: string): boolean {
    let stat: Stats | undefined;
    try {
      stat = lstatSync(path.join(this.root, relDir), { throwIfNoEntry: false });
    } catch {
      stat = undefined;
    }
    const stamp = stat?.isDirectory() ? stampOf(stat) : undefined;
    this.seen.set(relDir, stamp);
    const known = this.known.get(relDir);
    return stamp !== undefined && known !== undefined && stamp.every((value, i) => value === known[i]);
  }

  /** What the scan of `relDir` (after `unchanged` said to scan it) found: remembered only when nothing, on a settled folder. */
  scanned(relDir: string, foundNothing: boolean): void {
    const stamp = this.seen.get(relDir);
    const settled = stamp !== undefined && Math.max(stamp[0], stamp[1]) < this.scanFrom - SETTLE_MS;
    if (foundNothing && settled) {
      this.known.set(relDir, stamp);
      this.changed = true;
    } else if (this.known.delete(relDir)) {
      this.changed = true;
    }
  }

  /** Best effort, atomic, never an error. */
  save(): void {
    if (!this.changed) return;
    const temp = `${this.file}.${process.pid}.${randomBase32(6)}.tmp`;
    try {
      ensureDir(this.root, MEMO_DIR);
      writeFileSync(temp, JSON.stringify({ format: FORMAT, folders: Object.fromEntries(this.known) }));
      renameSync(temp, this.file);
    } catch {
      try {
        unlinkSync(temp);
      } catch {
        // no temp file was left
      }
    }
  }
}
