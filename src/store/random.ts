/**
 * Random bytes for ids from the kernel's generator (/dev/urandom): one small
 * read, where Web Crypto and node:crypto each take milliseconds to set up on
 * their first use in a process. A pool is read once and handed out; where
 * there is no /dev/urandom (Windows), Web Crypto.
 */
import { closeSync, openSync, readSync } from 'node:fs';

const POOL_BYTES = 256;
let pool: Uint8Array = new Uint8Array(0);
let used = 0;

function refill(): boolean {
  let fd: number;
  try {
    fd = openSync('/dev/urandom', 'r');
  } catch {
    return false;
  }
  try {
    const next = new Uint8Array(POOL_BYTES);
    if (readSync(fd, next, 0, POOL_BYTES, null) !== POOL_BYTES) return false;
    pool = next;
    used = 0;
    return true;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

export function kernelRandom(bytes: Uint8Array): Uint8Array {
  if (bytes.length > POOL_BYTES) return globalThis.crypto.getRandomValues(bytes);
  if (used + bytes.length > pool.length && !refill()) return globalThis.crypto.getRandomValues(bytes);
  bytes.set(pool.subarray(used, used + bytes.length));
  // each byte is handed out once
  pool.fill(0, used, used + bytes.length);
  used += bytes.length;
  return bytes;
}
