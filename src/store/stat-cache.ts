/**
 * The one cache rule. Every cache of something read from a file or a folder
 * (the parsed-file cache, the scan memo, the inbox counts, town.yml's parse,
 * the board's memos) reuses a value only while both hold:
 *
 * - the stat is unchanged: size, mtime, ctime and inode are exactly what they
 *   were when the value was read. An edit in place changes mtime and ctime
 *   even when it keeps the size, a rewrite by rename changes the inode, and
 *   `touch -d` cannot reset ctime. For a folder, creating, removing or
 *   renaming an entry changes its mtime and ctime.
 * - the stat was taken outside the racy window, as git treats racily clean
 *   index entries: file system clocks tick (a second on some, two on FAT, a
 *   few milliseconds on Linux's ext4, xfs, btrfs and tmpfs), so a file changed
 *   in the same tick as its stat was taken may change again without its stat
 *   changing. A value whose file's mtime or ctime was within the window of
 *   (or after) the moment of the stat is never reused: the file is read
 *   again, and only once it has settled is its value kept. The window
 *   (racyWindowMs) follows the clock that stamped the file: its ctime, which
 *   nobody can set, in whole seconds means a coarse clock.
 *
 * A cache that lives on disk keeps only values that had settled when they
 * were read (`isSettled`), so checking one later is `sameFingerprint` alone;
 * one in memory may keep a stamp with its moment and ask `isReusable`.
 * Either way it is this rule, and this module is the only place that says it.
 */
import type { Stats } from 'node:fs';

/** What of a stat the rule looks at: fs.Stats, or a lighter object with the same fields (light-lstat.ts). */
export type StatFields = Pick<Stats, 'size' | 'mtimeMs' | 'ctimeMs' | 'ino'>;

/** A file's mtime or ctime this close to (or after) the moment its stat was taken is racy, on a clock of whole seconds (FAT's two, HFS+'s one)… */
export const COARSE_RACY_WINDOW_MS = 2_000;
/**
 * …and on one with sub-second stamps: many times its tick, with room for a
 * network file system's clock running a little behind ours. Two seconds there
 * made every read of a town changed in the last two seconds (an agent's
 * write, a pull) parse every file again: 2–3× slower reads right after a change.
 */
export const FINE_RACY_WINDOW_MS = 500;

/** The racy window for a file stamped with this ctime (a whole second: a coarse clock). */
export function racyWindowMs(ctimeMs: number): number {
  return ctimeMs % 1000 === 0 ? COARSE_RACY_WINDOW_MS : FINE_RACY_WINDOW_MS;
}

/** size, mtimeMs, ctimeMs, ino: what says a file (or a folder's entries) may have changed. */
export type Fingerprint = readonly [size: number, mtimeMs: number, ctimeMs: number, ino: number];

/** Numbers in a fingerprint, for caches that keep many of them back to back in one array. */
export const FINGERPRINT_FIELDS = 4;

/** A fingerprint read back from a cache file, which may be damaged or foreign. */
export function isFingerprint(value: unknown): value is Fingerprint {
  return Array.isArray(value) && value.length === FINGERPRINT_FIELDS && value.every((n) => typeof n === 'number');
}

/** A fingerprint, and the moment (Date.now()) at or before which its stat was taken. */
export interface StatStamp {
  fingerprint: Fingerprint;
  takenAtMs: number;
}

export function fingerprint(stat: StatFields): Fingerprint {
  return [stat.size, stat.mtimeMs, stat.ctimeMs, stat.ino];
}

/** `takenAtMs`: Date.now() read before the stat call. */
export function statStamp(stat: StatFields, takenAtMs: number): StatStamp {
  return { fingerprint: fingerprint(stat), takenAtMs };
}

/**
 * Whether a fingerprint (at `at` in an array of them) was outside the racy
 * window when its stat was taken: only then may what was read be reused.
 */
export function isSettled(stamps: ArrayLike<number>, takenAtMs: number, at = 0): boolean {
  const ctimeMs = stamps[at + 2]!;
  return Math.max(stamps[at + 1]!, ctimeMs) < takenAtMs - racyWindowMs(ctimeMs);
}

/** Whether `stat` (taken now) has the fingerprint at `at` in `stamps`. */
export function sameFingerprint(stat: StatFields, stamps: ArrayLike<number>, at = 0): boolean {
  return stat.size === stamps[at] && stat.mtimeMs === stamps[at + 1] && stat.ctimeMs === stamps[at + 2] && stat.ino === stamps[at + 3];
}

/** The rule: a value read under `cached` may be used now, when the file's stat is `now`. */
export function isReusable(cached: StatStamp | undefined, now: StatFields | undefined): boolean {
  return cached !== undefined && now !== undefined && isSettled(cached.fingerprint, cached.takenAtMs) && sameFingerprint(now, cached.fingerprint);
}
