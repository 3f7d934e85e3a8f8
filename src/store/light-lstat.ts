/**
 * lstat for the cache checks of a big folder (cached-folder.ts): every read
 * of the tasks checks each task file's stat against the cache, 10,000 calls in
 * a big town, and node 20's fs.lstatSync builds an fs.Stats for each (fourteen
 * fields and four Dates). In a fresh process that object costs about as much as
 * the system call: 10,000 lstatSync calls took 100–110 ms, the same calls
 * without the object 55–70 ms (a 2-core VM); in `tt search` at 10,000 tasks
 * the check of the task files went from about 95 ms to about 65 ms.
 *
 * So the stat is taken through node's own fs binding (`process.binding('fs')`,
 * the function fs.lstatSync calls), which fills one shared array of numbers,
 * and read into a small object holding only what the cache rule and the
 * listing ask for. The binding is not a public API, so it is used only while
 * it is proven to give what fs.lstatSync gives:
 *
 * - only where fs.lstatSync's own source calls the binding the same way (the
 *   call's shape changed within node 20);
 * - on its first use in a process, it is checked against fs.lstatSync on the
 *   same path (kind, size, inode, mtimeMs and ctimeMs, computed as node computes
 *   them); any difference, error or missing function, and this process uses
 *   fs.lstatSync from then on. A node whose binding changed is slower, never wrong.
 * - never when node would warn about it (--pending-deprecation prints DEP0111
 *   for process.binding) or when node's permission model is on (its checks
 *   live in fs.lstatSync), and never for a path holding a NUL (fs.lstatSync
 *   refuses it; the binding would cut it there).
 */
import { lstatSync } from 'node:fs';

/** What a cache check and a listing ask of a stat: the fingerprint's fields and the kind of entry. */
export interface LinkStat {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/** fs.lstatSync's binding: the stat as numbers (node's layout below), undefined for a missing path when told not to throw. */
type BindingLstat = (path: string, useBigint: false, request: undefined, throwIfNoEntry: boolean) => Float64Array | undefined;

// node's stat array (src/node_file.h, FsStatsOffset): dev, mode, nlink, uid, gid, rdev, blksize, ino, size, blocks, then seconds and nanoseconds of atime, mtime, ctime, birthtime
const MODE = 1;
const INO = 7;
const SIZE = 8;
const MTIME_SEC = 12;
const MTIME_NSEC = 13;
const CTIME_SEC = 14;
const CTIME_NSEC = 15;
const TYPE_BITS = 0o170000;
const REGULAR = 0o100000;
const DIRECTORY = 0o040000;
const SYMLINK = 0o120000;

/**
 * A stat read from the binding's numbers. lstatLight fills a new one, or the
 * one a caller passes to be filled again and again (a loop over 10,000 files
 * that reads each stat before taking the next makes no object per file).
 */
export class ReusableLinkStat implements LinkStat {
  size = 0;
  mtimeMs = 0;
  ctimeMs = 0;
  ino = 0;
  private type = 0;

  fill(values: Float64Array): this {
    this.type = values[MODE]! & TYPE_BITS;
    this.size = values[SIZE]!;
    this.ino = values[INO]!;
    // as node's msFromTimeSpec: the same operations, so the same doubles as fs.Stats' mtimeMs and ctimeMs
    this.mtimeMs = values[MTIME_SEC]! * 1e3 + values[MTIME_NSEC]! / 1e6;
    this.ctimeMs = values[CTIME_SEC]! * 1e3 + values[CTIME_NSEC]! / 1e6;
    return this;
  }

  isFile(): boolean {
    return this.type === REGULAR;
  }

  isDirectory(): boolean {
    return this.type === DIRECTORY;
  }

  isSymbolicLink(): boolean {
    return this.type === SYMLINK;
  }
}

/** undefined: not checked yet in this process; null: fs.lstatSync is used. */
let binding: BindingLstat | null | undefined;

/**
 * fs.lstatSync's own source calls the binding as lstatLight does. Nodes
 * before 20.10 or so passed an object for errors where this passes
 * throwIfNoEntry, and a call shaped for another node could abort the process
 * on its first error, which the check of one stat would not show.
 */
const NODE_CALL = /binding\.lstat\(\s*pathModule\.toNamespacedPath\(path\),\s*options\.bigint,\s*undefined,\s*options\.throwIfNoEntry,?\s*\)/;

function bindingIfAllowed(): BindingLstat | null {
  const nodeOptions = (process.env.NODE_OPTIONS ?? '').split(/\s+/);
  const warns = process.env.NODE_PENDING_DEPRECATION === '1' || process.execArgv.includes('--pending-deprecation') || nodeOptions.includes('--pending-deprecation');
  const permissions = (process as { permission?: unknown }).permission !== undefined;
  const processBinding = (process as unknown as { binding?: (name: string) => { lstat?: unknown } }).binding;
  if (warns || permissions || typeof processBinding !== 'function' || !NODE_CALL.test(Function.prototype.toString.call(lstatSync))) return null;
  try {
    const lstat = processBinding.call(process, 'fs').lstat;
    return typeof lstat === 'function' ? (lstat as BindingLstat) : null;
  } catch {
    return null;
  }
}

function sameStat(a: LinkStat, b: LinkStat): boolean {
  return a.size === b.size && a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs &&
    a.isFile() === b.isFile() && a.isDirectory() === b.isDirectory() && a.isSymbolicLink() === b.isSymbolicLink();
}

/** The first stat of an existing path in this process: through both, and the binding kept only when they agree. */
function checkBinding(file: string): LinkStat | undefined {
  const stat = lstatSync(file, { throwIfNoEntry: false });
  if (stat === undefined) return undefined; // nothing to compare with yet: the next path decides
  const candidate = bindingIfAllowed();
  let agrees = false;
  try {
    const values = candidate?.(file, false, undefined, false);
    agrees = values instanceof Float64Array && sameStat(new ReusableLinkStat().fill(values), stat);
  } catch {
    agrees = false;
  }
  binding = agrees ? candidate : null;
  return stat;
}

/**
 * fs.lstatSync(file, { throwIfNoEntry: false }), as the fields of LinkStat:
 * undefined when nothing is there, and it throws what fs.lstatSync throws
 * for any other failure. With `reuse`, the stat may be that object, filled
 * again: read it before the next call.
 */
export function lstatLight(file: string, reuse?: ReusableLinkStat): LinkStat | undefined {
  if (binding === undefined) return checkBinding(file);
  if (binding === null || file.includes('\0')) return lstatSync(file, { throwIfNoEntry: false });
  const values = binding(file, false, undefined, false);
  return values === undefined ? undefined : (reuse ?? new ReusableLinkStat()).fill(values);
}

/** Which way this process takes stats: 'binding' once checked, 'fs' when it fell back; undefined before the first. */
export function lstatLightMode(): 'binding' | 'fs' | undefined {
  return binding === undefined ? undefined : binding === null ? 'fs' : 'binding';
}
