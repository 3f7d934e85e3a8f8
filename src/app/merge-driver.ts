/**
 * The git merge driver for town files (`merge=tinytown` in .gitattributes;
 * git runs `tt merge-driver %O %A %B %P`). Records (tasks, messages, agents)
 * are parsed, merged field by field by core/merge.ts and written back
 * canonical; town.yml is merged key by key; anything else line by line, and
 * where its lines conflict it is an ordinary conflict (never both sides glued
 * together). The result never holds conflict markers.
 *
 * A side that does not parse cannot be merged field by field: the driver then
 * leaves git's "ours" file as it is (no markers) and exits non-zero, so git
 * reports an ordinary conflict for that one file.
 *
 * The driver cannot commit (git is in the middle of a merge), so a claim
 * conflict is recorded in the local state folder's merge-notices/ and `tt sync` delivers the
 * loser's message after the merge (app/sync.ts). The git plumbing it needs
 * (`git merge-file`) is in git/merge-file.ts.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { claimNoticeMessage, mergeAgents, mergeMappings, mergeMessages, mergeReservations, mergeTasks, type ClaimConflict } from '../core/merge.js';
import { ValidationError } from '../errors.js';
import { lineMerge, type MergeFiles } from '../git/merge-file.js';
import { parseTownConfig } from '../store/config.js';
import { writeFileAtomic } from '../store/fs-safe.js';
import { parseYaml, parseYamlDocument } from '../store/yaml.js';
import { TOWN_DIR_NAME, townPaths } from '../store/paths.js';
import { localStateDir } from '../store/state-dir.js';
import { MAX_TOWN_FILE_BYTES } from '../store/town-file.js';
import { formatAgent, formatMessage, formatReservation, formatTask, parseAgent, parseMessage, parseReservation, parseTask } from '../store/records.js';

/** Notices of claims the merge lost, in the local state folder (store/state-dir.ts), relative to it. */
export const MERGE_NOTICES_DIR = 'merge-notices';

export type TownFileKind = 'task' | 'message' | 'agent' | 'reservation' | 'config' | 'other';

export interface TownFileLocation {
  /** The folder holding `.tinytown/`, relative to where the path is relative to ('' for the top). */
  townPrefix: string;
  kind: TownFileKind;
}

/** Where a path (relative to the work tree top, as git's %P gives it) sits in a town; undefined outside one. */
export function locateTownFile(relPath: string): TownFileLocation | undefined {
  const parts = relPath.split(/[\\/]/);
  const at = parts.lastIndexOf(TOWN_DIR_NAME);
  if (at < 0) return undefined;
  const inTown = parts.slice(at + 1);
  const townPrefix = parts.slice(0, at).join('/');
  const [top, second, third] = inTown;
  const markdown = (inTown[inTown.length - 1] ?? '').endsWith('.md');
  let kind: TownFileKind = 'other';
  if (inTown.length === 1 && top === 'town.yml') kind = 'config';
  else if (markdown && top === 'tasks' && inTown.length === 2) kind = 'task';
  else if (markdown && top === 'agents' && inTown.length === 2) kind = 'agent';
  else if (markdown && top === 'reservations' && inTown.length === 2) kind = 'reservation';
  else if (markdown && top === 'inbox' && second && (inTown.length === 3 || (inTown.length === 4 && third === 'read'))) kind = 'message';
  return { townPrefix, kind };
}

export interface TextMerge {
  text: string;
  bodyMerged: boolean;
  /** Fields both sides changed differently (decided by the newer side). */
  contested: string[];
  claim: ClaimConflict | null;
}

/** Parses a side, or for the base, gives up quietly: an unreadable base only means "no common ancestor". */
function parseBase<T>(text: string | null, parse: (text: string, file: string) => T, file: string): T | null {
  if (text === null || text.trim() === '') return null;
  try {
    return parse(text, file);
  } catch {
    return null;
  }
}

/** Merges three versions of a town record; throws ValidationError naming the side that does not parse. */
export function mergeRecordText(kind: 'task' | 'message' | 'agent' | 'reservation', file: string, base: string | null, ours: string, theirs: string): TextMerge {
  const sides = <T>(parse: (text: string, file: string) => T) => ({
    base: parseBase(base, parse, `${file} (base)`),
    ours: parse(ours, `${file} (ours)`),
    theirs: parse(theirs, `${file} (theirs)`),
  });
  switch (kind) {
    case 'task': {
      const s = sides(parseTask);
      const result = mergeTasks(s.base, s.ours, s.theirs);
      return { text: formatTask(result.merged), bodyMerged: result.bodyMerged, contested: result.contested, claim: result.claim };
    }
    case 'message': {
      const s = sides(parseMessage);
      const result = mergeMessages(s.base, s.ours, s.theirs);
      return { text: formatMessage(result.merged), bodyMerged: result.bodyMerged, contested: result.contested, claim: null };
    }
    case 'agent': {
      const s = sides(parseAgent);
      const result = mergeAgents(s.base, s.ours, s.theirs);
      return { text: formatAgent(result.merged), bodyMerged: result.bodyMerged, contested: result.contested, claim: null };
    }
    case 'reservation': {
      const s = sides(parseReservation);
      const result = mergeReservations(s.base, s.ours, s.theirs);
      return { text: formatReservation(result.merged), bodyMerged: result.bodyMerged, contested: result.contested, claim: null };
    }
  }
}

type Mapping = Record<string, unknown>;

function isMapping(value: unknown): value is Mapping {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function loadYaml(text: string, file: string): Mapping {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new ValidationError(`${file}: YAML error: ${(error as Error).message.split('\n')[0]}`, file);
  }
  if (data === undefined || data === null) return {};
  if (!isMapping(data)) throw new ValidationError(`${file}: the top level must be a mapping`, file);
  return data;
}

/**
 * town.yml: a clean line merge keeps everyone's comments and layout; where
 * lines conflict, the values are merged key by key (mergeMappings) and
 * applied to our side's document, so our comments survive.
 */
export async function mergeConfigText(base: string | null, ours: string, theirs: string, files: MergeFiles): Promise<string> {
  const file = townPaths.config;
  const oursData = loadYaml(ours, `${file} (ours)`);
  const theirsData = loadYaml(theirs, `${file} (theirs)`);
  let baseData: Mapping | null;
  try {
    baseData = loadYaml(base ?? '', file);
  } catch {
    baseData = null;
  }
  const lines = await lineMerge(files, false);
  if (lines.clean) {
    try {
      parseTownConfig(lines.text, file);
      return lines.text;
    } catch {
      // a clean line merge that does not make a valid config: merge the values instead
    }
  }
  const { merged } = mergeMappings(baseData, oursData, theirsData);
  const document = parseYamlDocument(ours);
  const apply = (from: Mapping, to: Mapping, at: string[]) => {
    for (const key of Object.keys(from)) if (!(key in to)) document.deleteIn([...at, key]);
    for (const [key, value] of Object.entries(to)) {
      const current = from[key];
      if (isMapping(current) && isMapping(value)) apply(current, value, [...at, key]);
      else if (JSON.stringify(current) !== JSON.stringify(value)) document.setIn([...at, key], value);
    }
  };
  apply(oursData, merged, []);
  const text = document.toString();
  parseTownConfig(text, file);
  return text;
}

export interface DriverRequest extends MergeFiles {
  /** %P: the path being merged, relative to the work tree top. */
  path: string;
}

export type DriverResult =
  | { merged: true; kind: TownFileKind; bodyMerged: boolean; contested: string[]; notice: string | null }
  | { merged: false; kind: TownFileKind; reason: string };

function readSide(cwd: string, file: string): string {
  return readFileSync(path.resolve(cwd, file), 'utf8');
}

function assertTownFileSize(file: string, text: string): void {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_TOWN_FILE_BYTES) throw new ValidationError(`${file}: ${bytes} bytes is too large for a town file (at most ${MAX_TOWN_FILE_BYTES})`, file);
}

/** Records a claim conflict for `tt sync` to deliver; the file name is the loser's message id, so a repeat overwrites it. */
function recordNotice(cwd: string, townPrefix: string, conflict: ClaimConflict): string | null {
  const root = path.resolve(cwd, townPrefix);
  if (!existsSync(path.join(root, TOWN_DIR_NAME))) return null;
  const rel = `${MERGE_NOTICES_DIR}/${claimNoticeMessage(conflict).id}.json`;
  const stateDir = localStateDir(root);
  writeFileAtomic(stateDir, rel, `${JSON.stringify(conflict, null, 2)}\n`);
  return path.join(stateDir, rel);
}

export async function runMergeDriver(request: DriverRequest): Promise<DriverResult> {
  const location = locateTownFile(request.path) ?? { townPrefix: '', kind: 'other' as const };
  const { kind } = location;
  const base = readSide(request.cwd, request.base);
  const ours = readSide(request.cwd, request.ours);
  const theirs = readSide(request.cwd, request.theirs);
  let merged: TextMerge;
  try {
    // One size limit for writers and readers (DESIGN §3): a merge neither takes in nor makes a town file no reader reads.
    if (kind !== 'other') for (const [side, text] of [['ours', ours], ['theirs', theirs]] as const) assertTownFileSize(`${request.path} (${side})`, text);
    if (kind === 'task' || kind === 'message' || kind === 'agent' || kind === 'reservation') {
      merged = mergeRecordText(kind, request.path, base, ours, theirs);
    } else if (kind === 'config') {
      merged = { text: await mergeConfigText(base, ours, theirs, request), bodyMerged: false, contested: [], claim: null };
    } else {
      // A file tt does not understand merges only when git's line merge is clean; else an ordinary conflict
      // (our side kept, exit 1), never both sides glued together into something nobody wrote.
      const lines = await lineMerge(request, false);
      if (!lines.clean) return { merged: false, kind, reason: `${request.path} is not a town file tt knows how to merge, and both sides changed the same lines` };
      merged = { text: lines.text, bodyMerged: false, contested: [], claim: null };
    }
  } catch (error) {
    if (error instanceof ValidationError) return { merged: false, kind, reason: error.message };
    throw error;
  }
  if (kind !== 'other') {
    try {
      assertTownFileSize(request.path, merged.text);
    } catch (error) {
      return { merged: false, kind, reason: (error as Error).message };
    }
  }
  writeFileSync(path.resolve(request.cwd, request.ours), merged.text);
  const notice = merged.claim ? recordNotice(request.cwd, location.townPrefix, merged.claim) : null;
  return { merged: true, kind, bodyMerged: merged.bodyMerged, contested: merged.contested, notice };
}
