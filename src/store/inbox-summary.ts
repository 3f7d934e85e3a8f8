/**
 * Unread and urgent counts of an inbox without parsing every message: what
 * `tt status` needs, for inboxes that may hold tens of thousands of files.
 *
 * Message files are written once and never edited, and creating, removing or
 * renaming one changes its folder's mtime; so the counts are cached under
 * run/cache/ keyed by the folder's mtime. As git does with its index, a folder
 * changed within the last second is never cached: the file system's clock is
 * coarse, and a file created in the same tick would not change the mtime.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TEMP_FILE_PATTERN } from './fs-safe.js';
import { townPaths } from './paths.js';
import { readTownFile } from './reader.js';

export interface InboxSummary {
  unread: number;
  urgent: number;
}

interface CachedSummary extends InboxSummary {
  mtimeMs: number;
}

const RACY_MS = 1_000;
const URGENT_LINE = /^urgent:[ \t]*true[ \t]*\r?$/m;

/** Whether a message file's frontmatter says `urgent: true`, without parsing it. */
export function saysUrgent(text: string): boolean {
  const frontmatterEnd = text.indexOf('\n---', 3);
  return URGENT_LINE.test(frontmatterEnd > 0 ? text.slice(0, frontmatterEnd) : text);
}

function cacheFile(root: string, agent: string): string {
  return path.join(root, townPaths.runDir, 'cache', `inbox-${agent}.json`);
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

export function inboxSummary(root: string, agent: string, now = Date.now()): InboxSummary {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path.join(root, townPaths.inbox(agent))).mtimeMs;
  } catch {
    return { unread: 0, urgent: 0 };
  }
  const file = cacheFile(root, agent);
  try {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as CachedSummary;
    if (cached.mtimeMs === mtimeMs) return { unread: cached.unread, urgent: cached.urgent };
  } catch {
    // no cache yet
  }
  const summary = countNow(root, agent);
  if (now - mtimeMs > RACY_MS) {
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify({ ...summary, mtimeMs }));
      renameSync(temp, file);
    } catch {
      // a cache is an optimisation: never fail a read because it cannot be written
    }
  }
  return summary;
}
