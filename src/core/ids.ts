/**
 * Identifiers that never collide across branches and clones: random, not counters.
 * Crockford's base32 alphabet (no i, l, o, u) keeps ids readable and unambiguous.
 */
import { randomFillSync } from 'node:crypto';

const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz';
export const TASK_ID_PATTERN = /^t-[0-9a-hjkmnp-tv-z]{6}$/;
export const MESSAGE_ID_PATTERN = /^\d{8}T\d{9}Z-[0-9a-hjkmnp-tv-z]{6}$/;

export function randomBase32(length: number): string {
  // node:crypto, not the global Web Crypto: its first use sets up the whole Web Crypto API (1-5 ms of a tt call).
  const bytes = randomFillSync(new Uint8Array(length));
  let out = '';
  for (const byte of bytes) out += BASE32[byte & 31];
  return out;
}

export function newTaskId(): string {
  return `t-${randomBase32(6)}`;
}

/** `20261125T212000123Z-k3f9qa`: sorts by creation time, then randomly among equals. */
export function newMessageId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '');
  return `${stamp}-${randomBase32(6)}`;
}

export function isoNow(now: Date = new Date()): string {
  return now.toISOString();
}
