/**
 * `tt inbox AGENT --wait`: block until the agent has an unread message. A
 * native fs.watch on the inbox folder wakes it — no polling loop — and the
 * inbox is re-read after the watch is armed, so a message that landed in
 * between is not missed.
 */
import { watch } from 'node:fs';
import path from 'node:path';
import { TimeoutError } from '../errors.js';
import { isScratchName } from '../core/direct-edits.js';
import { readInbox, type InboxListing } from '../app/messages.js';
import { ensureDir } from '../store/fs-safe.js';
import { townPaths } from '../store/paths.js';
import type { Town } from '../store/town.js';

export interface InboxWaitOptions {
  /** Give up after this long (a TimeoutError, exit 3); wait forever when undefined. */
  timeoutMs?: number | undefined;
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

export async function waitForUnread(town: Town, agent: string, options: InboxWaitOptions = {}): Promise<InboxListing> {
  const first = readInbox(town, agent);
  if (first.messages.length > 0) return first;
  const relDir = townPaths.inbox(agent);
  ensureDir(town.root, relDir);
  return new Promise((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      watcher.close();
      if (timer) clearTimeout(timer);
      settle();
    };
    const check = () => {
      try {
        const listing = readInbox(town, agent);
        if (listing.messages.length > 0) finish(() => resolve(listing));
      } catch (error) {
        finish(() => reject(error));
      }
    };
    const watcher = watch(path.join(town.root, relDir), { persistent: true }, (_type, name) => {
      // tt writes a dot temp file, then renames it: only the rename brings a message.
      if (name !== null && name !== undefined && isScratchName(String(name))) return;
      check();
    });
    watcher.on('error', (error) => finish(() => reject(error)));
    if (options.timeoutMs !== undefined) {
      const timeoutMs = options.timeoutMs;
      timer = setTimeout(() => finish(() => reject(new TimeoutError(
        `no unread message for ${agent} within ${seconds(timeoutMs)} (tt inbox ${agent} --wait --timeout S waits longer; without --timeout it waits until one arrives)`,
      ))), timeoutMs);
    }
    check();
  });
}
