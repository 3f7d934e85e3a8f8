/**
 * Unread and urgent counts of an inbox without parsing every message: what
 * `tt status` needs, for inboxes that may hold tens of thousands of files.
 *
 * Message files are written once and never edited, and creating, removing or
 * renaming one changes its folder's stat; so the counts are cached under
 * the state folder's cache/ by the folder's fingerprint, under the one cache rule
 * (stat-cache.ts): a folder still inside the racy window when it was counted
 * is never cached, as a file created in the same tick might not show.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import { TEMP_FILE_PATTERN } from './fs-safe.js';
import { townPaths } from './paths.js';
import { statePaths } from './state-dir.js';
import { readTownFile } from './reader.js';
import { fingerprint, isFingerprint, isSettled, sameFingerprint, type Fingerprint } from './stat-cache.js';

export interface InboxSummary {
  unread: number;
  urgent: number;
}

interface CachedSummary extends InboxSummary {
  /** The folder's fingerprint when it was counted. */
  folder: Fingerprint;
}

const URGENT_LINE = /^urgent:[ \t]*true[ \t]*\r?$/m;

/** Whether a message file's frontmatter says `urgent: true`, without parsing it. */
export function saysUrgent(text: string): boolean {
  const frontmatterEnd = text.indexOf('\n---', 3);
  return URGENT_LINE.test(frontmatterEnd > 0 ? text.slice(0, frontmatterEnd) : text);
}

function cacheFile(root: string, agent: string): string {
  return path.join(statePaths.cacheDir(root), `inbox-${agent}.json`);
}

function countNow(root: string, agent: string): InboxSummary {
  const dir = townPaths.inbox(agent);
  let unread = 0;
  let urgent = 0;
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.md') || TEMP_FILE_PATTERN.test(entry.name)) continue;
    unread++;
    try {
      if (saysUrgent(readTownFile(root, `${dir}/${entry.name}`))) urgent++;
    } catch {
      // a damaged or oversized file is still unread mail; tt inbox and tt doctor report it
    }
  }
  return { unread, urgent };
}

function isCachedSummary(value: unknown): value is CachedSummary {
  const cached = value as Partial<CachedSummary> | null;
  return typeof cached?.unread === 'number' && typeof cached.urgent === 'number' &&
    isFingerprint(cached.folder);
}

export function inboxSummary(root: string, agent: string): InboxSummary {
  const countedFrom = Date.now();
  let folder: Stats;
  try {
    folder = statSync(path.join(root, townPaths.inbox(agent)));
  } catch {
    return { unread: 0, urgent: 0 };
  }
  const file = cacheFile(root, agent);
  try {
    const cached: unknown = JSON.parse(readFileSync(file, 'utf8'));
    // Only settled fingerprints are stored (below), so an unchanged one is reusable.
    if (isCachedSummary(cached) && sameFingerprint(folder, cached.folder)) return { unread: cached.unread, urgent: cached.urgent };
  } catch {
    // no cache yet
  }
  const summary = countNow(root, agent);
  const stamp = fingerprint(folder);
  if (isSettled(stamp, countedFrom)) {
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify({ ...summary, folder: stamp }));
      renameSync(temp, file);
    } catch {
      // a cache is an optimisation: never fail a read because it cannot be written
    }
  }
  return summary;
}
