/**
 * Each agent's unread mail as the board needs it — the file names, newest
 * first, and which messages are urgent — kept current without rereading the
 * folder's files. When the watch says a folder changed it is listed again and
 * only the files that are new are read (for their `urgent:` line). A refresh
 * right after a send into an inbox of 10,000 messages then costs one readdir,
 * where `inboxSummary` (what `tt status` uses) would count them all again: its
 * on-disk cache is not trusted for a folder inside the racy window. A listing
 * is reused under the one cache rule (store/stat-cache.ts), like every cache.
 *
 * Learning which of the existing messages are urgent means reading each once;
 * that is done in the background after the board starts, a slice per turn of
 * the event loop, and until it is done an inbox's counts come from
 * `inboxSummary`.
 */
import { readdirSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { TEMP_FILE_PATTERN } from '../store/fs-safe.js';
import { inboxSummary, saysUrgent, type InboxSummary } from '../store/inbox-summary.js';
import { townPaths } from '../store/paths.js';
import { readTownFile } from '../store/reader.js';
import { isReusable, statStamp, type StatStamp } from '../store/stat-cache.js';

interface Inbox {
  /** Unread message file names, newest first (message ids sort by creation time). */
  names: string[];
  urgent: Set<string>;
  /** The folder's stat when listed (undefined: it was not there): the listing is reused only while the rule allows. */
  stamp: StatStamp | undefined;
}

/** Files read per turn of the event loop while learning an inbox, so requests are never held up for long. */
const SEED_SLICE = 400;

function listNames(root: string, agent: string): string[] {
  try {
    return readdirSync(path.join(root, townPaths.inbox(agent)), { withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.md') && !TEMP_FILE_PATTERN.test(entry.name))
      .map((entry) => entry.name)
      .sort()
      .reverse();
  } catch {
    return [];
  }
}

function folderStat(root: string, agent: string): Stats | undefined {
  try {
    return statSync(path.join(root, townPaths.inbox(agent)));
  } catch {
    return undefined;
  }
}

/** The folder's stamp, taken before it is listed. */
function folderStamp(root: string, agent: string): StatStamp | undefined {
  const takenAtMs = Date.now();
  const stat = folderStat(root, agent);
  return stat && statStamp(stat, takenAtMs);
}

export class InboxIndex {
  private readonly inboxes = new Map<string, Inbox>();
  /** Agents whose folder the watch reported changed since it was last listed. */
  private readonly changedSince = new Set<string>();
  private seeding: Promise<void> | undefined;

  constructor(private readonly root: string) {}

  /** The watch heard a change in this inbox (or, with no agent, somewhere among the inboxes). */
  changed(agent?: string): void {
    if (agent === undefined) for (const known of this.inboxes.keys()) this.changedSince.add(known);
    else this.changedSince.add(agent);
  }

  /** Learns every given inbox in the background (see the top of this file). */
  seed(agents: readonly string[]): Promise<void> {
    this.seeding ??= (async () => {
      for (const agent of agents) {
        if (this.inboxes.has(agent)) continue;
        const stamp = folderStamp(this.root, agent);
        const names = listNames(this.root, agent);
        const urgent = new Set<string>();
        for (let start = 0; start < names.length; start += SEED_SLICE) {
          for (const name of names.slice(start, start + SEED_SLICE)) if (this.isUrgent(agent, name)) urgent.add(name);
          await new Promise((resolve) => setImmediate(resolve));
        }
        // Changes while learning are caught up by the next request (it sees a changed stat or a change mark).
        if (!this.inboxes.has(agent)) this.inboxes.set(agent, { names, urgent, stamp });
      }
    })();
    return this.seeding;
  }

  summary(agent: string): InboxSummary {
    const inbox = this.current(agent);
    return inbox ? { unread: inbox.names.length, urgent: inbox.urgent.size } : inboxSummary(this.root, agent);
  }

  /** A page of unread message file names, newest first. */
  page(agent: string, offset: number, limit: number): string[] {
    const names = this.current(agent)?.names ?? listNames(this.root, agent);
    return names.slice(offset, offset + limit);
  }

  /** The inbox as it is now, or undefined while it has not been learnt yet. */
  private current(agent: string): Inbox | undefined {
    const inbox = this.inboxes.get(agent);
    if (!inbox) return undefined;
    const takenAtMs = Date.now();
    const stat = folderStat(this.root, agent);
    if (isReusable(inbox.stamp, stat) && !this.changedSince.has(agent)) return inbox;
    this.changedSince.delete(agent);
    const stamp = stat && statStamp(stat, takenAtMs);
    const names = listNames(this.root, agent);
    const before = new Set(inbox.names);
    const urgent = new Set<string>();
    for (const name of names) {
      if (before.has(name) ? inbox.urgent.has(name) : this.isUrgent(agent, name)) urgent.add(name);
    }
    const next = { names, urgent, stamp };
    this.inboxes.set(agent, next);
    return next;
  }

  private isUrgent(agent: string, name: string): boolean {
    try {
      return saysUrgent(readTownFile(this.root, `${townPaths.inbox(agent)}/${name}`));
    } catch {
      return false; // a damaged file is still unread mail; tt doctor reports it
    }
  }
}
