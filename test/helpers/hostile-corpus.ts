/**
 * The hostile corpus (test/fixtures/hostile/cases.json and files/): loading
 * it, placing a case in a town (symlinks, folders and padding are made here,
 * since a fixture in git cannot hold them safely), and the checks every
 * surface shares: nothing outside the town changed, nothing tt committed is
 * refused by a reader.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { locateTownFile } from '../../src/app/merge-driver.js';
import { parseTownConfig } from '../../src/store/config.js';
import { parseAgent, parseMessage, parseTask } from '../../src/store/records.js';
import { MAX_TOWN_FILE_BYTES } from '../../src/store/town-file.js';
import { git } from './repo.js';

const CORPUS_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../fixtures/hostile');

export interface HostileCase {
  name: string;
  kind: string;
  /** Where it goes, relative to .tinytown/ (absent for a typed input). */
  at?: string;
  what: string;
  /** accept: read (or taken in when dropped); refuse: named with a reason, never taken in; ignore: not a record, skipped, never taken in. */
  expect: 'accept' | 'refuse' | 'ignore';
  /** Its bytes, relative to the corpus folder. */
  file?: string;
  /** What the harness builds instead of (or from) the bytes. */
  make?: { symlink?: string; folder?: string; padTo?: number };
  /** A value typed at the CLI or given to an MCP tool. */
  input?: { agent?: string; task?: string };
  /** For a typed input: the exit code every command gives it (2: usage, 1: not found). */
  exit?: number;
  /** solo: damages the whole town, run alone; pull: only as a collaborator's commit. */
  only?: 'solo' | 'pull';
  note?: string;
}

export function loadCorpus(): HostileCase[] {
  const { cases } = JSON.parse(readFileSync(path.join(CORPUS_DIR, 'cases.json'), 'utf8')) as { cases: HostileCase[] };
  const names = new Set<string>();
  for (const item of cases) {
    if (names.has(item.name)) throw new Error(`corpus: two cases named ${item.name}`);
    names.add(item.name);
    if ((item.at === undefined) === (item.input === undefined)) throw new Error(`corpus: ${item.name} needs either "at" or "input"`);
    if (!['accept', 'refuse', 'ignore'].includes(item.expect)) throw new Error(`corpus: ${item.name}: expect is accept, refuse or ignore`);
    if (item.at !== undefined && item.file === undefined && !item.make?.symlink && !item.make?.folder) throw new Error(`corpus: ${item.name} has nothing to place`);
  }
  return cases;
}

/** A case placed in a town: a file (of these bytes), a symlink, or a folder. */
export type FileCase = HostileCase & { at: string };

export function fileCases(cases: HostileCase[], options: { solo?: boolean; pull?: boolean } = {}): FileCase[] {
  return cases.filter((item): item is FileCase => item.at !== undefined
    && (item.only === undefined || (item.only === 'solo' && Boolean(options.solo)) || (item.only === 'pull' && Boolean(options.pull))));
}

/** The bytes a case writes (padded with "x" and a final newline to make.padTo bytes); undefined for a symlink or folder. */
export function caseBytes(item: HostileCase): Buffer | undefined {
  if (item.file === undefined || item.make?.symlink || item.make?.folder) return undefined;
  const bytes = readFileSync(path.join(CORPUS_DIR, item.file));
  const size = item.make?.padTo;
  if (size === undefined) return bytes;
  return Buffer.concat([bytes, Buffer.alloc(size - bytes.length - 1, 'x'), Buffer.from('\n')]);
}

/** Files and a folder outside every repository, which symlinks in the corpus point at (`@outside/…`). */
export interface Outside {
  root: string;
  file: string;
  dir: string;
}

const outsides: string[] = [];
afterAll(() => {
  for (const root of outsides.splice(0)) rmSync(root, { recursive: true, force: true });
});

export function makeOutside(): Outside {
  const root = realpathSync(mkdtempSync(path.join(tmpdir(), 'tt-outside-')));
  outsides.push(root);
  writeFileSync(path.join(root, 'file.txt'), 'sentinel: tt must never write here\n');
  mkdirSync(path.join(root, 'dir'));
  writeFileSync(path.join(root, 'dir', 'keep.txt'), 'sentinel folder\n');
  return { root, file: path.join(root, 'file.txt'), dir: path.join(root, 'dir') };
}

function symlinkTarget(target: string, repo: string, outside: Outside): string {
  if (target === '@outside/file.txt') return outside.file;
  if (target === '@outside/dir') return outside.dir;
  if (target.startsWith('@repo/')) return path.join(repo, target.slice('@repo/'.length));
  return target;
}

/** Puts a case at .tinytown/<at> in repository `repo`. */
export function placeCase(repo: string, item: FileCase, outside: Outside): void {
  const full = path.join(repo, '.tinytown', item.at);
  mkdirSync(path.dirname(full), { recursive: true });
  if (item.make?.symlink) symlinkSync(symlinkTarget(item.make.symlink, repo, outside), full);
  else if (item.make?.folder) {
    mkdirSync(full, { recursive: true });
    writeFileSync(path.join(full, item.make.folder), 'inside a folder that should have been a file\n');
  } else writeFileSync(full, caseBytes(item)!);
}

/** What a case's path holds now: its bytes' hash, its link target, a folder, or nothing. */
export function placedState(repo: string, item: FileCase): string {
  const full = path.join(repo, '.tinytown', item.at);
  let stat;
  try {
    stat = lstatSync(full);
  } catch {
    return 'missing';
  }
  if (stat.isSymbolicLink()) return `link:${readlinkSync(full)}`;
  if (stat.isDirectory()) return `folder:${readdirSync(full).sort().join(',')}`;
  return createHash('sha256').update(readFileSync(full)).digest('hex');
}

/** The state the case was placed in, to compare with placedState after tt ran. */
export function expectedPlacedState(repo: string, item: FileCase, outside: Outside): string {
  if (item.make?.symlink) return `link:${symlinkTarget(item.make.symlink, repo, outside)}`;
  if (item.make?.folder) return `folder:${item.make.folder}`;
  return createHash('sha256').update(caseBytes(item)!).digest('hex');
}

/** Every file of a folder (not following symlinks): relative path → hash or link target. */
function walk(root: string, skip: (rel: string) => boolean): string[] {
  const out: string[] = [];
  const visit = (rel: string) => {
    for (const entry of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (skip(child)) continue;
      const full = path.join(root, child);
      if (entry.isSymbolicLink()) out.push(`${child} -> ${readlinkSync(full)}`);
      else if (entry.isDirectory()) visit(child);
      else out.push(`${child} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`);
    }
  };
  visit('');
  return out.sort();
}

/**
 * Everything outside the town that tt must leave alone: the work tree's other
 * files, their index entries and status, and the sentinel folder outside the
 * repository that the corpus's symlinks point at.
 */
export function outsideTownSnapshot(repo: string, outside: Outside): string {
  return [
    git(repo, 'ls-files', '--stage', '--', '.', ':(exclude).tinytown'),
    git(repo, 'status', '--porcelain', '--untracked-files=all', '--', '.', ':(exclude).tinytown'),
    ...walk(repo, (rel) => rel === '.git' || rel === '.tinytown'),
    '--- outside',
    ...walk(outside.root, () => false),
  ].join('\n');
}

/** The reader's verdict on one committed town file's bytes: undefined when it reads, else why not. */
export function readerRefusal(file: string, bytes: Buffer): string | undefined {
  if (bytes.length > MAX_TOWN_FILE_BYTES) return `${bytes.length} bytes, over the limit`;
  const location = locateTownFile(file);
  const text = bytes.toString('utf8');
  try {
    switch (location?.kind) {
      case 'task': parseTask(text, file); break;
      case 'message': parseMessage(text, file); break;
      case 'agent': parseAgent(text, file); break;
      case 'config': parseTownConfig(text, file); break;
      default: break;
    }
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

/**
 * Every commit tt made (author @tinytown.invalid, merges aside) after `since`:
 * it touched only town paths, holds no symlink, and each file it wrote
 * parses with the reader's own parser.
 */
export function refusedCommittedFiles(repo: string, since: string): string[] {
  const problems: string[] = [];
  const commits = git(repo, 'log', '--no-merges', '--format=%H %ae', `${since}..HEAD`).trim().split('\n').filter(Boolean);
  for (const line of commits) {
    const [commit, email] = line.split(' ') as [string, string];
    if (!email.endsWith('@tinytown.invalid')) continue;
    const changed = git(repo, 'diff-tree', '-r', '-z', '--no-renames', '--no-commit-id', '--root', commit).split('\0');
    for (let i = 0; i + 1 < changed.length; i += 2) {
      const [, , mode, , blob, status] = changed[i]!.split(/[ :]/) as [string, string, string, string, string, string];
      const file = changed[i + 1]!;
      if (status === 'D') continue;
      if (!file.startsWith('.tinytown/')) problems.push(`${commit}: ${JSON.stringify(file)} is outside the town`);
      if (mode === '120000') problems.push(`${commit}: ${JSON.stringify(file)} committed as a symlink`);
      const bytes = execFileSync('git', ['cat-file', 'blob', blob], { cwd: repo, maxBuffer: 64 * 1024 * 1024 });
      const refusal = readerRefusal(file, bytes);
      if (refusal) problems.push(`${commit}: ${JSON.stringify(file)}: ${refusal}`);
    }
  }
  return problems;
}

export function exists(repo: string, rel: string): boolean {
  return existsSync(path.join(repo, rel));
}
