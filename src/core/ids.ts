/**
 * Identifiers that never collide across branches and clones: random, not counters.
 * Crockford's base32 alphabet (no i, l, o, u) keeps ids readable and unambiguous.
 */

const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz';
export const TASK_ID_PATTERN = /^t-[0-9a-hjkmnp-tv-z]{6}$/;
export const MESSAGE_ID_PATTERN = /^\d{8}T\d{9}Z-[0-9a-hjkmnp-tv-z]{6}$/;

/** Fills a byte array with random bytes and returns it. */
export type RandomSource = (bytes: Uint8Array) => Uint8Array;

// Web Crypto: global in Node 20, nothing to import.
let randomSource: RandomSource = (bytes) => globalThis.crypto.getRandomValues(bytes);

/**
 * Where ids get their randomness. Either crypto API takes milliseconds to set
 * up on its first use, a real share of a one-commit tt call, so the CLI swaps
 * in a source that reads the kernel's (store/random.ts); core itself does no I/O.
 */
export function useRandomSource(source: RandomSource): void {
  randomSource = source;
}

export function randomBase32(length: number): string {
  const bytes = randomSource(new Uint8Array(length));
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
