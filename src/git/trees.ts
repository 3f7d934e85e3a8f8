/**
 * Tree objects, for building a commit from objects (commit-builder.ts): the
 * raw format git stores (`<mode> <name>\0<binary id>` per entry, in git's
 * order), parsed from `cat-file --batch` and hashed here, so that all the
 * changed folders of a write go to one `git mktree --batch` (a parent names
 * its children by id, so the ids are needed before git answers; git's answer
 * is then checked against them).
 */
import { digestHex } from './object-hash.js';

export interface TreeEntry {
  /** As stored in a tree object: `100644`, `100755`, `120000`, `40000`, `160000`. */
  mode: string;
  name: string;
  id: string;
}

export type ObjectFormat = 'sha1' | 'sha256';

const ASCII = /^[\x00-\x7f]*$/;

export const isTreeMode = (mode: string): boolean => mode === '40000' || mode === '040000';

export function objectType(mode: string): 'blob' | 'tree' | 'commit' {
  if (isTreeMode(mode)) return 'tree';
  return mode === '160000' ? 'commit' : 'blob';
}

/** The entries of a raw tree object. */
export function parseTree(raw: Buffer, format: ObjectFormat): TreeEntry[] {
  const idBytes = format === 'sha256' ? 32 : 20;
  // The whole object converted twice, then sliced: three small conversions per entry cost ~5 ms
  // of a send to an inbox of 500 messages. A byte is a character of `text`, so offsets agree.
  const text = raw.toString('latin1');
  const hex = raw.toString('hex');
  const entries: TreeEntry[] = [];
  let at = 0;
  while (at < raw.length) {
    const space = text.indexOf(' ', at);
    const nul = space < 0 ? -1 : text.indexOf('\0', space);
    if (nul < 0 || nul + 1 + idBytes > raw.length) throw new Error('malformed tree object');
    const name = text.slice(space + 1, nul);
    entries.push({
      mode: text.slice(at, space),
      // Latin-1 is UTF-8 only for ASCII; any other name is decoded from its bytes.
      name: ASCII.test(name) ? name : raw.toString('utf8', space + 1, nul),
      id: hex.slice(2 * (nul + 1), 2 * (nul + 1 + idBytes)),
    });
    at = nul + 1 + idBytes;
  }
  return entries;
}

/** git's order: by name bytes, a folder compared as if its name ended in "/". */
export function sortEntries(entries: readonly TreeEntry[]): TreeEntry[] {
  // Each key is made once, not per comparison: an inbox of a thousand messages is sorted on
  // every send, and a UTF-8 copy of both names per comparison cost ~7 ms of it.
  const keyed = entries.map((entry) => ({ entry, key: isTreeMode(entry.mode) ? `${entry.name}/` : entry.name }));
  // For ASCII names (nearly all) string order is byte order; any other name is compared as UTF-8 bytes.
  if (keyed.every(({ key }) => ASCII.test(key))) keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  else {
    const bytes = new Map(keyed.map(({ key }) => [key, Buffer.from(key, 'utf8')]));
    keyed.sort((a, b) => Buffer.compare(bytes.get(a.key)!, bytes.get(b.key)!));
  }
  return keyed.map(({ entry }) => entry);
}

export function hashObject(type: string, body: Buffer, format: ObjectFormat): string {
  return digestHex(format, [`${type} ${body.length}\0`, body]);
}

/** The raw object of sorted entries. */
export function treeBody(sorted: readonly TreeEntry[]): Buffer {
  // One buffer written in place: two small buffers per entry and a concat cost ~7 ms for an inbox of a thousand messages.
  const heads = sorted.map((entry) => `${isTreeMode(entry.mode) ? '40000' : entry.mode} ${entry.name}\0`);
  const size = sorted.reduce((sum, entry, i) => sum + Buffer.byteLength(heads[i]!, 'utf8') + entry.id.length / 2, 0);
  const body = Buffer.allocUnsafe(size);
  let at = 0;
  sorted.forEach((entry, i) => {
    at += body.write(heads[i]!, at, 'utf8');
    at += body.write(entry.id, at, 'hex');
  });
  // An id that is not all hex writes short and would leave the buffer's old bytes in the object.
  if (at !== size) throw new Error('malformed tree entry id');
  return body;
}

/** A blob's id as git computes it (no filters). */
export function blobId(content: Buffer | string, format: ObjectFormat): string {
  return hashObject('blob', Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'), format);
}

/** One tree as `git mktree -z` reads it: `<mode> <type> <id>\t<name>` records, NUL-terminated. */
export function mktreeRecords(sorted: readonly TreeEntry[]): string {
  return sorted.map((entry) => `${entry.mode} ${objectType(entry.mode)} ${entry.id}\t${entry.name}\0`).join('');
}

/**
 * Raw `cat-file --batch` output → the object bodies, in input order
 * (undefined for an input git reports missing).
 */
export function parseBatch(raw: Buffer, count: number): Array<{ type: string; body: Buffer } | undefined> {
  const objects: Array<{ type: string; body: Buffer } | undefined> = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const eol = raw.indexOf(0x0a, at);
    if (eol < 0) throw new Error('cat-file --batch answered fewer objects than asked');
    const header = raw.toString('utf8', at, eol).split(' ');
    if (header.length !== 3) {
      objects.push(undefined);
      at = eol + 1;
      continue;
    }
    const size = Number(header[2]);
    objects.push({ type: header[1]!, body: raw.subarray(eol + 1, eol + 1 + size) });
    at = eol + 1 + size + 1;
  }
  return objects;
}
