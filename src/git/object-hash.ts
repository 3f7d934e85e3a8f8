/**
 * Git's object ids (SHA-1, or SHA-256 in a sha256 repository) of bytes in
 * memory, computed where it is cheapest for their size.
 *
 * Why two hashers: a `tt send` hashes a few kilobytes (a message, the trees
 * above it, a commit), and loading node:crypto to do it costs ~7–10 ms on a
 * small machine — about 7% of the whole command. @noble/hashes (audited,
 * pure JavaScript, no start-up cost beyond its few functions) hashes a few
 * kilobytes in ~2–5 ms before the JIT has warmed up, but cold JavaScript
 * hashes slowly: in a fresh process 16 KiB took 12 ms and 64 KiB 14 ms, against
 * ~7 ms for loading OpenSSL and hashing any of them. So anything above
 * SMALL_BYTES (an inbox's folder of a few hundred messages, a whole index)
 * goes to node:crypto. Both compute the standard algorithms: the same bytes
 * give the same id.
 */
import { createHash } from 'node:crypto';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { ObjectFormat } from './trees.js';

/** Up to this many bytes in all, the pure-JavaScript hasher; above, OpenSSL's. */
const SMALL_BYTES = 8 * 1024;

/** The digest of the parts, one after another (strings as UTF-8). */
export function digest(format: ObjectFormat, parts: ReadonlyArray<Buffer | string>): Buffer {
  const buffers = parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part));
  const total = buffers.reduce((sum, part) => sum + part.length, 0);
  if (total > SMALL_BYTES) {
    const hash = createHash(format);
    for (const part of buffers) hash.update(part);
    return hash.digest();
  }
  const hash = (format === 'sha256' ? sha256 : sha1).create();
  for (const part of buffers) hash.update(part);
  const bytes = hash.digest();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The same, in hex: an object id. */
export const digestHex = (format: ObjectFormat, parts: ReadonlyArray<Buffer | string>): string => digest(format, parts).toString('hex');
