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
 *
 * A search reads the index as bytes and looks for the needle's bytes: only
 * the lines it hits are decoded (at 100,000 messages, decoding and
 * lower-casing all of it would cost more than the rest of the command). A
 * body is indexed lower-cased (as the needle is), and only that way: the
 * index is read whole by every search, so it holds each body once; the few
 * hits a search shows read their own file for the text as written
 * (`messageText`).
 */
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, writeFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import { MESSAGE_ID_PATTERN } from '../core/ids.js';
import type { Message } from '../core/types.js';
import { readExactly } from './cache-format.js';
import { TEMP_FILE_PATTERN } from './fs-safe.js';
import { linesHolding, linesHoldingInFile, readFirstLine } from './line-scan.js';
import { parseMessage } from './records.js';
import { statePaths } from './state-dir.js';
import { fingerprint, isFingerprint, isSettled, sameFingerprint, type Fingerprint } from './stat-cache.js';
import { notAFolder, readTownFile, toProblem, type Problem } from './town-file.js';

const FORMAT = 'tt-message-index-v3';

/** One indexed message: the fields a search result shows, and the body it matches. */
export interface IndexedMessage {
  id: string;
  from: string;
  to: string;
  type: string;
  task: string | null;
  created: string;
  urgent: boolean;
  /** The body lower-cased (messageText reads it as written). */
  body: string;
  /** Relative to the town root. */
  path: string;
}

export interface FolderMatches {
  /** Every message whose line holds the needle somewhere: the caller checks the field it wants. */
  candidates: IndexedMessage[];
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

/**
 * stem (the file name without .md: the id), from, type, task, urgent and the
 * body lower-cased: a search for a lower-cased needle then scans the file's
 * bytes as they are, never decoding or lower-casing the whole index. The time
 * is the id's; the addressee the folder's.
 */
function encodeLine(stem: string, message: Message): string {
  return `${[stem, message.from, message.type, message.task ?? '', message.urgent ? '1' : '0', message.body.toLowerCase()].map(escapeField).join('\t')}\n`;
}

/** 20261125T212000123Z-k3f9qa → 2026-11-25T21:20:00.123Z */
function timeOfId(id: string): string {
  const t = id.slice(0, 18);
  return `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(9, 11)}:${t.slice(11, 13)}:${t.slice(13, 15)}.${t.slice(15, 18)}Z`;
}

function decodeLine(line: string, relDir: string, owner: string): IndexedMessage {
  const [stem = '', from = '', type = '', task = '', urgent = '0', body = ''] = line.split('\t');
  return {
    id: stem, from: unescapeField(from), to: owner, type: unescapeField(type), task: task ? unescapeField(task) : null,
    created: timeOfId(stem), urgent: urgent === '1', body: unescapeField(body), path: `${relDir}/${stem}.md`,
  };
}

function fromMessage(message: Message, rel: string): IndexedMessage {
  return { id: message.id, from: message.from, to: message.to, type: message.type, task: message.task, created: message.created, urgent: message.urgent, body: message.body.toLowerCase(), path: rel };
}

/** A message's body as written, for the hits a search shows; undefined when its file cannot be read now (moved, say). */
export function messageText(root: string, rel: string): string | undefined {
  try {
    return parseMessage(readTownFile(root, rel), rel).body;
  } catch {
    return undefined;
  }
}

/**
 * cache/search/inbox-<agent>.json and read-<agent>.json: named as the state folder's other inbox caches
 * are, so that `tt doctor --fix` removes them with the agent's inbox (the content is a JSON header line,
 * then the text lines).
 */
function cacheFile(root: string, relDir: string, owner: string): string {
  return path.join(statePaths.cacheDir(root), 'search', `${relDir.endsWith('/read') ? 'read' : 'inbox'}-${owner}.json`);
}

function isHeader(value: unknown, relDir: string): value is Header {
  const header = value as Partial<Header> | null;
  return header?.format === FORMAT && header.dir === relDir && (header.folder === null || isFingerprint(header.folder)) &&
    Array.isArray(header.others) && header.others.every((name) => typeof name === 'string');
}

/**
 * An open cache file: its header, where its lines start, and its size. The
 * lines are read from it only as a search needs them: scanned through
 * line-scan.ts's small buffer while the folder is unchanged, read whole only
 * to bring the index up to date.
 */
interface OpenCache {
  fd: number;
  header: Header;
  linesFrom: number;
  size: number;
}

function openCache(file: string, relDir: string): OpenCache | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const first = readFirstLine(fd, size);
    const header: unknown = first && JSON.parse(first.text);
    if (first && isHeader(header, relDir)) return { fd, header, linesFrom: first.bytes + 1, size };
  } catch {
    // damaged or cut short: rebuilt
  }
  closeSync(fd);
  return undefined;
}

/** The index lines that hold `needle`, decoded; undefined when the file turned out cut short. */
function scanCache(cache: OpenCache, needle: Buffer, relDir: string, owner: string): IndexedMessage[] | undefined {
  try {
    return linesHoldingInFile(cache.fd, cache.linesFrom, cache.size - cache.linesFrom, needle).map((line) => decodeLine(line, relDir, owner));
  } catch {
    return undefined;
  }
}

/** Every index line, keyed by its stem (the file name without .md), to keep those of names still listed. */
function cachedLines(cache: OpenCache): Map<string, string> {
  const known = new Map<string, string>();
  let text: string;
  try {
    text = readExactly(cache.fd, cache.size - cache.linesFrom, cache.linesFrom).toString('utf8');
  } catch {
    return known;
  }
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) known.set(line.slice(0, tab), `${line}\n`);
  }
  return known;
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

/**
 * The messages of a folder whose index line holds `needle` (lower case): from
 * the cache while the folder is unchanged, else after bringing the index up
 * to date (the lines of names still listed kept, new files read).
 */
export function matchMessageFolder(root: string, relDir: string, owner: string, needle: string): FolderMatches {
  const listedFrom = Date.now();
  const problems: Problem[] = [];
  const needleBytes = Buffer.from(escapeField(needle));
  let folderStat: Stats | undefined;
  try {
    folderStat = lstatSync(path.join(root, relDir), { throwIfNoEntry: false });
  } catch {
    folderStat = undefined;
  }
  if (!folderStat) return { candidates: [], problems };
  if (!folderStat.isDirectory()) return { candidates: [], problems: [notAFolder(relDir)] };
  const file = cacheFile(root, relDir, owner);
  /** Files never indexed, read now: every one is a candidate. */
  const readOthers = (names: readonly string[]) => names.flatMap((name) => {
    const rel = `${relDir}/${name}`;
    try {
      return [fromMessage(parseMessage(readTownFile(root, rel), rel), rel)];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') problems.push(toProblem(rel, error));
      return [];
    }
  });
  const cached = openCache(file, relDir);
  let known = new Map<string, string>();
  if (cached) {
    try {
      const { header } = cached;
      const scanned = header.folder && sameFingerprint(folderStat, header.folder) ? scanCache(cached, needleBytes, relDir, owner) : undefined;
      if (scanned) return { candidates: [...scanned, ...readOthers(header.others)], problems };
      known = cachedLines(cached);
    } finally {
      closeSync(cached.fd);
    }
  }
  let names: string[];
  try {
    names = readdirSync(path.join(root, relDir)).filter((name) => name.endsWith('.md') && !TEMP_FILE_PATTERN.test(name)).sort();
  } catch (error) {
    problems.push(toProblem(relDir, error));
    return { candidates: [], problems };
  }
  const indexed: string[] = [];
  const others: string[] = [];
  const unreadable: string[] = [];
  for (const name of names) {
    const stem = name.slice(0, -3);
    const line = known.get(stem);
    if (line !== undefined) {
      indexed.push(line);
      continue;
    }
    if (!MESSAGE_ID_PATTERN.test(stem)) {
      others.push(name);
      continue;
    }
    const rel = `${relDir}/${name}`;
    try {
      indexed.push(encodeLine(stem, parseMessage(readTownFile(root, rel), rel)));
    } catch (error) {
      // vanished since the listing: not mail here any more; unreadable: reported now, and read again next time
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      problems.push(toProblem(rel, error));
      others.push(name);
      unreadable.push(name);
    }
  }
  const lines = indexed.join('');
  const stamp = fingerprint(folderStat);
  saveCache(file, { format: FORMAT, dir: relDir, folder: isSettled(stamp, listedFrom) ? stamp : null, others }, lines);
  return {
    candidates: [...linesHolding(Buffer.from(lines), needleBytes).map((line) => decodeLine(line, relDir, owner)), ...readOthers(others.filter((name) => !unreadable.includes(name)))],
    problems,
  };
}
