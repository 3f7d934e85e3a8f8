/**
 * Folders a scan of names found nothing in, remembered by the folder's
 * fingerprint under the one cache rule (stat-cache.ts): creating, removing or
 * renaming an entry changes a folder's mtime and ctime, so while its stat is
 * unchanged a scan of its names would find the same nothing — `tt inbox
 * --all` need not list 50,000 names again to learn that nobody wrote mail by
 * hand. A folder still inside the racy window when it was scanned is not
 * remembered; the memo lives in the local state folder (disposable), and a damaged one is ignored.
 */
import { lstatSync, readFileSync, renameSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import { randomBase32 } from '../core/ids.js';
import { ensureDir } from './fs-safe.js';
import { localStateDir } from './state-dir.js';
import { fingerprint, isFingerprint, isSettled, sameFingerprint, type Fingerprint } from './stat-cache.js';

const FORMAT = 'tinytown-scan-memo-2';
const MEMO_DIR = 'cache';

export class ScanMemo {
  private readonly known = new Map<string, Fingerprint>();
  private readonly seen = new Map<string, Fingerprint | undefined>();
  private changed = false;
  private readonly scanFrom = Date.now();

  private constructor(private readonly root: string, private readonly file: string) {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { format?: unknown; folders?: unknown };
      if (parsed.format === FORMAT && parsed.folders !== null && typeof parsed.folders === 'object') {
        for (const [dir, stamp] of Object.entries(parsed.folders as Record<string, unknown>)) {
          if (isFingerprint(stamp)) this.known.set(dir, stamp);
        }
      }
    } catch {
      // none yet, or damaged: every folder is scanned
    }
  }

  /** `name` says which kind of scan this memo is for (one file under the state folder's cache/). */
  static open(root: string, name: string): ScanMemo {
    return new ScanMemo(root, path.join(localStateDir(root), MEMO_DIR, `scan-${name}.json`));
  }

  /** True when `relDir` was scanned empty and has not changed since; otherwise scan it (and say what was found). */
  unchanged(relDir: string): boolean {
    let stat: Stats | undefined;
    try {
      stat = lstatSync(path.join(this.root, relDir), { throwIfNoEntry: false });
    } catch {
      stat = undefined;
    }
    const folder = stat?.isDirectory() ? stat : undefined;
    this.seen.set(relDir, folder && fingerprint(folder));
    const known = this.known.get(relDir);
    // Only settled fingerprints are remembered (scanned), so an unchanged one is reusable.
    return folder !== undefined && known !== undefined && sameFingerprint(folder, known);
  }

  /** What the scan of `relDir` (after `unchanged` said to scan it) found: remembered only when nothing, on a settled folder. */
  scanned(relDir: string, foundNothing: boolean): void {
    const stamp = this.seen.get(relDir);
    if (foundNothing && stamp !== undefined && isSettled(stamp, this.scanFrom)) {
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
      ensureDir(localStateDir(this.root), MEMO_DIR);
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
