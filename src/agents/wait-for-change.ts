/**
 * Waiting for a condition on files — an agent's run-time state, an inbox, a
 * control — with a file-system watch, not a poll. The watches start before the
 * first check, so a change between "checked" and "watching" cannot be missed.
 * A watch can still miss an event (an overflow, a folder replaced, a network
 * file system), and some things waited for make no event of their own: a
 * process ends a moment after its last write. So after each event the
 * condition is checked again at once, then a few times more with a growing
 * delay; with no events it is re-checked only every `fallbackMs` (slow), and
 * the deadline ends every wait.
 */
import { mkdirSync, watch, type FSWatcher } from 'node:fs';

export interface WaitUntilOptions {
  /** When to give up (Infinity: never). */
  timeoutMs: number;
  /** The longest time between two checks when no event comes. */
  fallbackMs?: number;
  /** Ends the wait early (after one last check). */
  signal?: AbortSignal | undefined;
}

export const FALLBACK_RECHECK_MS = 1_000;
/** The first re-check after an event; the delay then doubles up to fallbackMs. */
const FOLLOW_UP_MS = 5;

/**
 * Resolves with `check`'s first truthy value, re-checked whenever one of
 * `folders` changes; resolves undefined at the deadline or on abort.
 */
export async function waitUntil<T>(folders: readonly string[], check: () => T | undefined | null | false, options: WaitUntilOptions): Promise<T | undefined> {
  const fallbackMs = options.fallbackMs ?? FALLBACK_RECHECK_MS;
  const deadline = Date.now() + options.timeoutMs;
  let wake: (() => void) | undefined;
  let evented = false;
  const onEvent = () => {
    evented = true;
    wake?.();
  };
  const watchers: FSWatcher[] = [];
  try {
    for (const folder of folders) {
      mkdirSync(folder, { recursive: true });
      const watcher = watch(folder, onEvent);
      watcher.on('error', onEvent); // a broken watch: re-check, and the fallback keeps checking
      watchers.push(watcher);
    }
    options.signal?.addEventListener('abort', onEvent);
    let delayMs = fallbackMs;
    for (;;) {
      const value = check();
      if (value) return value;
      if (options.signal?.aborted) return undefined;
      const leftMs = deadline - Date.now();
      if (leftMs <= 0) return undefined;
      if (evented) delayMs = FOLLOW_UP_MS;
      evented = false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(delayMs, leftMs));
        function done() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
      });
      delayMs = Math.min(delayMs * 2, fallbackMs);
    }
  } finally {
    options.signal?.removeEventListener('abort', onEvent);
    for (const watcher of watchers) watcher.close();
  }
}
