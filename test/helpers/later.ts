/**
 * Caches skip files changed within the racy window of being read (git's
 * racy rule). These run a read as if it happened well after that window, with
 * a fake clock (Date only): the cache compares real file times with "now".
 */
import { vi } from 'vitest';
import { COARSE_RACY_WINDOW_MS } from '../../src/store/stat-cache.js';

const LATER_MS = COARSE_RACY_WINDOW_MS * 10;

export function later<T>(read: () => T): T {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + LATER_MS);
  try {
    return read();
  } finally {
    vi.useRealTimers();
  }
}

/** `later` for a whole asynchronous call (a tt command), not just its synchronous start. */
export async function laterAsync<T>(read: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + LATER_MS);
  try {
    return await read();
  } finally {
    vi.useRealTimers();
  }
}
