/**
 * Loose objects written by tt itself, for the commit path (commit-builder.ts).
 *
 * Why not git: a write's new objects (a blob or two, the trees along their
 * paths, the commit) are a few hundred bytes; as `hash-object`, `mktree` and
 * `commit-tree` they were three git processes of the seven a small-repository
 * `tt send` started, ~5–10 ms each here. A loose object is a stable,
 * documented format (gitformat-loose(5)): `<type> <size>\0<body>`,
 * zlib-deflated, named by the hash of the undeflated bytes, at
 * `objects/<2 hex>/<rest>`. Written as git writes it:
 *
 * - into a `tmp_obj_*` file in that folder (what `git prune` clears if this
 *   process dies there), mode 0444, then hard-linked to its name, so an
 *   existing object is never overwritten; the link's EEXIST is success (the
 *   same bytes, written by someone else meanwhile). Where hard links are not
 *   supported, renamed, as git does then.
 * - an object already there loose is freshened (its mtime set to now) instead
 *   of written, as git does, so a `git gc` pruning old unreachable objects
 *   cannot take it between now and the ref update that makes it reachable.
 *   (One already in a pack is written loose again: harmless; the next gc
 *   drops the copy.)
 * - deflated: an object that fits in one file-system block (most of a town's:
 *   a message, a folder of a few dozen entries, a commit) as stored deflate
 *   blocks, which is what zlib writes at level 0 (core.looseCompression=0):
 *   compressing cannot make it take less disk, and not loading node's zlib
 *   saves ~3 ms of a ~100 ms `tt send`; a larger one with zlib at git's
 *   default level (Z_BEST_SPEED). The level changes the file, never the id,
 *   and `git gc` recompresses into packs.
 * - fsynced only when the repository asks git to fsync loose objects
 *   (core.fsync / core.fsyncObjectFiles, read by commit-settings.ts): by
 *   default git does not, and neither did the `hash-object`/`mktree`/
 *   `commit-tree` this replaces (≈2 ms per object on this machine's ext4).
 *
 * What this does not do (the commit builder asks git instead where any of it
 * applies): core.sharedRepository's group permissions, a compatibility
 * object format's mapping (extensions.compatObjectFormat), GIT_OBJECT_DIRECTORY.
 */
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import path from 'node:path';
import { hashObject, type ObjectFormat } from './trees.js';

export type ObjectType = 'blob' | 'tree' | 'commit';

export interface LooseObjectStore {
  /** The `objects` folder (of the common git directory for a linked worktree). */
  dir: string;
  format: ObjectFormat;
  /** fsync each object file before it takes its name. */
  fsync: boolean;
}

/** zlib's Z_BEST_SPEED: git's default for loose objects. */
const LOOSE_COMPRESSION_LEVEL = 1;
/** Up to this many bytes an object is written as stored deflate blocks (one 4 KiB file-system block, less the zlib framing). */
const STORED_MAX_BYTES = 4000;
/** A stored deflate block holds at most this many bytes. */
const STORED_BLOCK_BYTES = 65_535;

/** zlib is loaded only for a large object, so most writes and every read-only command never pay for it. */
function zlib(): typeof import('node:zlib') {
  return process.getBuiltinModule('node:zlib');
}

/** Adler-32 (RFC 1950), the checksum that ends a zlib stream; sums reduced every 5552 bytes, as zlib does. */
function adler32(data: Buffer): number {
  let a = 1;
  let b = 0;
  for (let at = 0; at < data.length; ) {
    const end = Math.min(at + 5552, data.length);
    for (; at < end; at++) {
      a += data[at]!;
      b += a;
    }
    a %= 65_521;
    b %= 65_521;
  }
  return ((b << 16) | a) >>> 0;
}

/** A zlib stream of stored (uncompressed) deflate blocks: RFC 1950/1951, what zlib writes at level 0. */
export function zlibStored(data: Buffer): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / STORED_BLOCK_BYTES));
  const out = Buffer.alloc(2 + blocks * 5 + data.length + 4);
  out[0] = 0x78; // deflate, 32 KiB window
  out[1] = 0x01; // level 0, no dictionary; 0x7801 is a multiple of 31, as the header check requires
  let at = 2;
  for (let i = 0; i < blocks; i++) {
    const chunk = data.subarray(i * STORED_BLOCK_BYTES, (i + 1) * STORED_BLOCK_BYTES);
    out[at] = i === blocks - 1 ? 1 : 0; // BFINAL on the last; BTYPE 00: stored
    out.writeUInt16LE(chunk.length, at + 1);
    out.writeUInt16LE(~chunk.length & 0xffff, at + 3);
    chunk.copy(out, at + 5);
    at += 5 + chunk.length;
  }
  out.writeUInt32BE(adler32(data), at);
  return out;
}

/** The file content of a loose object: its header and body, deflated. */
export function looseObjectBytes(type: ObjectType, body: Buffer): Buffer {
  const raw = Buffer.concat([Buffer.from(`${type} ${body.length}\0`, 'latin1'), body]);
  return raw.length <= STORED_MAX_BYTES ? zlibStored(raw) : zlib().deflateSync(raw, { level: LOOSE_COMPRESSION_LEVEL });
}

export function looseObjectPath(dir: string, id: string): string {
  return path.join(dir, id.slice(0, 2), id.slice(2));
}

/** Sets an existing loose object's mtime to now; false when there is none. */
function freshen(file: string): boolean {
  try {
    statSync(file);
  } catch {
    return false;
  }
  try {
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // Not ours to touch (another user's object in a shared folder): it exists, which is what matters.
  }
  return true;
}

let tempCounter = 0;

/**
 * Creates the temp file, making its folder first. A `git gc` or `git prune`
 * running meanwhile (git commit and tt both start `gc --auto`, which detaches)
 * removes object folders it finds empty: the folder can vanish between the
 * mkdir and the open. git retries then (create_tmpfile); so does this.
 */
function createInFolder(folder: string, file: string): number {
  for (let attempt = 1; ; attempt++) {
    mkdirSync(folder, { recursive: true });
    try {
      return openSync(file, 'wx', 0o444);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) throw error;
    }
  }
}

/** Writes one object (or freshens it when it is there); answers its id. */
export function writeLooseObject(store: LooseObjectStore, type: ObjectType, body: Buffer): string {
  const id = hashObject(type, body, store.format);
  const file = looseObjectPath(store.dir, id);
  if (freshen(file)) return id;
  const folder = path.dirname(file);
  const temp = path.join(folder, `tmp_obj_tt${process.pid}_${(tempCounter++).toString(36)}_${Math.random().toString(36).slice(2, 8)}`);
  const bytes = looseObjectBytes(type, body);
  const fd = createInFolder(folder, temp);
  try {
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    if (store.fsync) fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  try {
    linkSync(temp, file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST') {
      // A file system without hard links: git renames then, and so does this (the object was absent a moment ago).
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS' || code === 'EMLINK') {
        renameSync(temp, file);
        return id;
      }
      unlinkSync(temp);
      throw error;
    }
  }
  unlinkSync(temp);
  return id;
}

/**
 * The bytes of a zlib stream made only of stored deflate blocks (what
 * zlibStored writes, and zlib at level 0); undefined for any other stream,
 * which zlib must inflate. The caller checks the object's hash, so the
 * stream's own checksum is not needed.
 */
function unstore(stream: Buffer): Buffer | undefined {
  if (stream.length < 2 || (stream[0]! & 0x0f) !== 8 || (stream[1]! & 0x20) !== 0) return undefined;
  const parts: Buffer[] = [];
  for (let at = 2; ; ) {
    const header = stream[at];
    if (header === undefined || (header & 0x06) !== 0 || at + 5 > stream.length) return undefined;
    const length = stream.readUInt16LE(at + 1);
    if ((length ^ stream.readUInt16LE(at + 3)) !== 0xffff || at + 5 + length > stream.length) return undefined;
    parts.push(stream.subarray(at + 5, at + 5 + length));
    at += 5 + length;
    if (header & 1) return Buffer.concat(parts);
  }
}

/**
 * A loose object read back, or undefined when it is not there loose (packed,
 * in an alternate) or does not hash to its name: the caller asks git then.
 * The commit path reads the folders of its parent this way (commit-builder.ts):
 * tt wrote them itself at its last commit, so a `cat-file` process is spared.
 */
export function readLooseObject(dir: string, id: string, format: ObjectFormat): { type: ObjectType; body: Buffer } | undefined {
  if (!/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(id)) return undefined;
  try {
    const stream = readFileSync(looseObjectPath(dir, id));
    const raw = unstore(stream) ?? zlib().inflateSync(stream);
    const nul = raw.indexOf(0);
    const header = /^(blob|tree|commit) (\d+)$/.exec(raw.toString('latin1', 0, Math.max(nul, 0)));
    if (nul < 0 || !header || Number(header[2]) !== raw.length - nul - 1) return undefined;
    const type = header[1] as ObjectType;
    const body = raw.subarray(nul + 1);
    return hashObject(type, body, format) === id ? { type, body } : undefined;
  } catch {
    return undefined;
  }
}
