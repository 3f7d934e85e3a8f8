/** Where things live: finding the town, and the relative paths of its files (DESIGN §1). */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { NotFoundError } from '../errors.js';

export const TOWN_DIR_NAME = '.tinytown';

export interface TownLocation {
  /** The folder holding `.tinytown/` (normally the repository root); git runs here. */
  root: string;
  /** The `.tinytown/` folder itself. */
  dir: string;
}

export interface FindTownOptions {
  cwd: string;
  /** `--town DIR`: the folder holding `.tinytown/`, or `.tinytown/` itself. */
  town?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

function locationAt(folder: string): TownLocation {
  return { root: folder, dir: path.join(folder, TOWN_DIR_NAME) };
}

function hasTown(folder: string): boolean {
  return existsSync(path.join(folder, TOWN_DIR_NAME, 'town.yml'));
}

export function findTown({ cwd, town, env = process.env }: FindTownOptions): TownLocation {
  const explicit = town ?? env.TINYTOWN_DIR ?? env.TINYTOWN_TOWN;
  if (explicit) {
    const resolved = path.resolve(cwd, explicit);
    const folder = path.basename(resolved) === TOWN_DIR_NAME ? path.dirname(resolved) : resolved;
    if (!hasTown(folder)) {
      throw new NotFoundError(`no town at ${resolved} (no ${TOWN_DIR_NAME}/town.yml there); run \`tt init\` in that repository`);
    }
    return locationAt(folder);
  }
  let folder = path.resolve(cwd);
  for (;;) {
    if (hasTown(folder)) return locationAt(folder);
    const parent = path.dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  throw new NotFoundError(`not inside a Tinytown town (no ${TOWN_DIR_NAME}/town.yml in ${path.resolve(cwd)} or above); run \`tt init\` at the repository root`);
}

/** Relative (to the town root) paths of every kind of town file, with "/" separators for git. */
export const townPaths = {
  config: `${TOWN_DIR_NAME}/town.yml`,
  gitignore: `${TOWN_DIR_NAME}/.gitignore`,
  agentsDir: `${TOWN_DIR_NAME}/agents`,
  tasksDir: `${TOWN_DIR_NAME}/tasks`,
  inboxRoot: `${TOWN_DIR_NAME}/inbox`,
  agent: (name: string) => `${TOWN_DIR_NAME}/agents/${name}.md`,
  task: (id: string) => `${TOWN_DIR_NAME}/tasks/${id}.md`,
  inbox: (agent: string) => `${TOWN_DIR_NAME}/inbox/${agent}`,
  unread: (agent: string, id: string) => `${TOWN_DIR_NAME}/inbox/${agent}/${id}.md`,
  readDir: (agent: string) => `${TOWN_DIR_NAME}/inbox/${agent}/read`,
  read: (agent: string, id: string) => `${TOWN_DIR_NAME}/inbox/${agent}/read/${id}.md`,
  reservationsDir: `${TOWN_DIR_NAME}/reservations`,
  reservation: (id: string) => `${TOWN_DIR_NAME}/reservations/${id}.md`,
};

/** The git directory of the work tree at `root` (a worktree's `.git` is a file naming it). */
export function findGitDir(root: string): string | undefined {
  let folder = path.resolve(root);
  for (;;) {
    const candidate = path.join(folder, '.git');
    try {
      const stat = statSync(candidate);
      if (stat.isDirectory()) return candidate;
      if (stat.isFile()) {
        const pointer = /^gitdir:\s*(.+)\s*$/m.exec(readFileSync(candidate, 'utf8'));
        if (pointer?.[1]) return path.resolve(folder, pointer[1]);
      }
    } catch {
      // not here; keep walking up
    }
    const parent = path.dirname(folder);
    if (parent === folder) return undefined;
    folder = parent;
  }
}
