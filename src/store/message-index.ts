/**
 * A search index of one message folder (`inbox/<agent>` or its `read/`): one
 * line per message with the fields search shows and the body, kept in the
 * state folder's cache/search/. `tt search` over 100,000 messages then reads
 * about forty small files instead of opening 100,000.
 *
 * Why a folder stat is enough here, where record-cache.ts checks every file:
 * a message file with a canonical name (its id) is written once, by rename,
 * and never edited (DESIGN §1); creating, removing or renaming one changes
 * its folder's stat. The index is reused while the folder's fingerprint is
 * unchanged and had settled (stat-cache.ts). When the folder changed, the
 * entries of names still listed are kept and only new names are read. A file
 * with any other name (mail written by hand, not taken in yet) is read every
 * time and never indexed. The same premise as inbox-summary.ts.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import { MESSAGE_ID_PATTERN } from '../core/ids.js';
import type { Message } from '../core/types.js';
import { TEMP_FILE_PATTERN } from './fs-safe.js';
import { parseMessage } from './records.js';
import { statePaths } from './state-dir.js';
import { fingerprint, isFingerprint, isSettled, sameFingerprint, type Fingerprint } from './stat-cache.js';
import { notAFolder, readTownFile, toProblem, type Problem } from './town-file.js';

const FORMAT = 'tt-message-index-v1';

/** One indexed message: the fields a search result shows, and the body it matches. */
export interface IndexedMessage {
  id: string;
  from: string;
  to: string;
  type: string;
  task: string | null;
  created: string;
  urgent: boolean;
  body: string;
  /** Relative to the town root. */
  path: string;
}

export interface MessageIndex {
  /** One line per message (encodeLine), each ending in "\n"; decodeLine reads one back. */
  lines: string;
  problems: Problem[];
}

interface Header {
  format: string;
  dir: string;
  /** The folder's fingerprint when it was listed; null when it had not settled (list again next time). */
  folder: Fingerprint | null;
  /** Names not indexed (not canonical, or not readable): read every time. */
  others: string[];
}

/** Tabs, newlines and backslashes escaped, so a line is one message and a tab separates fields. */
export function escapeField(text: string): string {
  return /[\t\n\r\\]/.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : text;
}

export function unescapeField(text: string): string {
  return text.includes('\\') ? text.replace(/\\(.)/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c)) : text;
}

/** name, id, from, to, type, task, created, urgent, body. */
export function encodeLine(name: string, message: Message): string {
  return `${[name, message.id, message.from, message.to, message.type, message.task ?? '', message.created, message.urgent ? '1' : '0'].map(escapeField).join('\t')}\t${escapeField(message.body)}\n`;
}

/** A line of `lines` (without its "\n") back as a message of the folder `relDir`. */
export function decodeLine(line: string, relDir: string): IndexedMessage {
  const fields = line.split('\t');
  const [name = '', id = '', from = '', to = '', type = '', task = '', created = '', urgent = '0'] = fields.map(unescapeField);
  return { id, from, to, type, task: task || null, created, urgent: urgent === '1', body: unescapeField(fields.slice(8).join('\t')), path: `${relDir}/${name}` };
}

function cacheFile(root: string, relDir: string): string {
  return path.join(statePaths.cacheDir(root), 'search', `${relDir.replace(/^\.tinytown\//, '').replace(/\//g, '--')}.txt`);
}

function isHeader(value: unknown, relDir: string): value is Header {
  const header = value as Partial<Header> | null;
  return header?.format === FORMAT && header.dir === relDir && (header.folder === null || isFingerprint(header.folder)) &&
    Array.isArray(header.others) && header.others.every((name) => typeof name === 'string');
}

function loadCache(file: string, relDir: string): { header: Header; lines: string } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const end = text.indexOf('\n');
  try {
    const header: unknown = JSON.parse(text.slice(0, end));
    return isHeader(header, relDir) ? { header, lines: text.slice(end + 1) } : undefined;
  } catch {
    return undefined;
  }
}

function saveCache(file: string, header: Header, lines: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(temp, `${JSON.stringify(header)}\n${lines}`);
    renameSync(temp, file);
  } catch {
    // a cache is an optimisation: a search never fails because it cannot be written
  }
}

/** The messages of a folder as index lines: from the cache while the folder is unchanged, else the cached lines of names still there plus the new files. */
export function messageIndex(root: string, relDir: string): MessageIndex {
  const listedFrom = Date.now();
  const problems: Problem[] = [];
  let folderStat: Stats | undefined;
  try {
    folderStat = lstatSync(path.join(root, relDir), { throwIfNoEntry: false });
  } catch {
    folderStat = undefined;
  }
  if (!folderStat) return { lines: '', problems };
  if (!folderStat.isDirectory()) return { lines: '', problems: [notAFolder(relDir)] };
  const file = cacheFile(root, relDir);
  const cached = loadCache(file, relDir);
  const readOthers = (names: readonly string[]) => {
    let lines = '';
    for (const name of names) {
      const rel = `${relDir}/${name}`;
      try {
        lines += encodeLine(name, parseMessage(readTownFile(root, rel), rel));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') problems.push(toProblem(rel, error));
      }
    }
    return lines;
  };
  if (cached?.header.folder && sameFingerprint(folderStat, cached.header.folder)) {
    return { lines: cached.lines + readOthers(cached.header.others), problems };
  }
  const known = new Map<string, string>();
  if (cached) {
    for (const line of cached.lines.split('\n')) {
      const tab = line.indexOf('\t');
      if (tab > 0) known.set(line.slice(0, tab), `${line}\n`);
    }
  }
  let names: string[];
  try {
    names = readdirSync(path.join(root, relDir)).filter((name) => name.endsWith('.md') && !TEMP_FILE_PATTERN.test(name)).sort();
  } catch (error) {
    problems.push(toProblem(relDir, error));
    return { lines: '', problems };
  }
  const indexed: string[] = [];
  const others: string[] = [];
  for (const name of names) {
    const line = known.get(name);
    if (line !== undefined) {
      indexed.push(line);
      continue;
    }
    if (!MESSAGE_ID_PATTERN.test(name.slice(0, -3))) {
      others.push(name);
      continue;
    }
    const rel = `${relDir}/${name}`;
    try {
      indexed.push(encodeLine(name, parseMessage(readTownFile(root, rel), rel)));
    } catch (error) {
      // vanished since the listing: not mail any more; unreadable: reported, and read again next time
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      problems.push(toProblem(rel, error));
      others.push(name);
    }
  }
  const lines = indexed.join('');
  const stamp = fingerprint(folderStat);
  saveCache(file, { format: FORMAT, dir: relDir, folder: isSettled(stamp, listedFrom) ? stamp : null, others }, lines);
  // the problems of unreadable files were reported above; the others not yet read are read now
  const unread = others.filter((name) => !problems.some((p) => p.file === `${relDir}/${name}`));
  return { lines: lines + readOthers(unread), problems };
}
