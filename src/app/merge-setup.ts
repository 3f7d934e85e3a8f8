/**
 * Registering the town merge driver (DESIGN §2 "Merges"). Two halves:
 * `.gitattributes` (`.tinytown/** merge=tinytown`, committed, so every clone
 * has it) and the repo config naming the command (`merge.tinytown.driver`,
 * local: git never clones config, so `tt init` in a fresh clone sets it
 * again). Without the config git silently falls back to its line merge and
 * can leave conflict markers in town files; `tt doctor` reports that.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { checkAttrTask, configGetTask, configSetTask } from '../git/repo.js';
import { runTask } from '../git/task.js';
import { TOWN_DIR_NAME, townPaths } from '../store/paths.js';
import { transact, type CommitOutcome } from './transaction.js';
import type { Town } from '../store/town.js';
import { packageRoot } from '../package-root.js';

export const MERGE_DRIVER_NAME = 'tinytown';
export const ATTRIBUTES_FILE = '.gitattributes';
export const MERGE_ATTRIBUTES_LINE = `${TOWN_DIR_NAME}/** merge=${MERGE_DRIVER_NAME}`;

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command git runs (through a shell), once per town file both sides
 * changed. Absolute paths of this node and this tt: the repo config is per
 * clone, and a bare `tt` may not be on git's PATH. NODE_EXTRA_CA_CERTS is
 * emptied for it, as bin/tt sets it aside: node 20 would otherwise parse every
 * CA certificate at start-up, and a merge driver makes no TLS connection.
 */
export function mergeDriverCommandLine(): string {
  return `NODE_EXTRA_CA_CERTS= ${shellQuote(process.execPath)} ${shellQuote(path.join(packageRoot(), 'bin', 'tt.js'))} merge-driver %O %A %B %P`;
}

/** `.gitattributes` with our line appended, or null when a line already routes the town to the driver. */
export function attributesWithDriver(current: string | null): string | null {
  const text = current ?? '';
  const present = text.split(/\r?\n/).some((line) => {
    const [pattern, ...attributes] = line.trim().split(/\s+/);
    return pattern === `${TOWN_DIR_NAME}/**` && attributes.includes(`merge=${MERGE_DRIVER_NAME}`);
  });
  if (present) return null;
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${MERGE_ATTRIBUTES_LINE}\n`;
}

export function readAttributes(root: string): string | null {
  const file = path.join(root, ATTRIBUTES_FILE);
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

export async function configureMergeDriver(root: string): Promise<void> {
  await runTask(root, configSetTask(`merge.${MERGE_DRIVER_NAME}.name`, 'Tinytown: field-by-field merge of town files'));
  await runTask(root, configSetTask(`merge.${MERGE_DRIVER_NAME}.driver`, mergeDriverCommandLine()));
}

/** What is missing for git to merge this town with the driver; empty when all is in place. */
export async function mergeSetupProblems(town: Town): Promise<string[]> {
  if (!town.gitDir) return [];
  const problems: string[] = [];
  const command = await runTask(town.root, configGetTask(`merge.${MERGE_DRIVER_NAME}.driver`));
  if (!command) {
    problems.push('the tinytown merge driver is not registered in this clone\'s git config (git does not clone config), so git would merge town files line by line and could leave conflict markers');
  } else {
    const missing = [...command.matchAll(/'([^']+)'/g)].map((match) => match[1]!).filter((file) => path.isAbsolute(file) && !existsSync(file));
    if (missing.length > 0) problems.push(`the registered merge driver names ${missing.join(' and ')}, which no longer exist${missing.length === 1 ? 's' : ''}`);
  }
  const attribute = await runTask(town.root, checkAttrTask('merge', townPaths.config));
  if (!attribute.endsWith(`merge: ${MERGE_DRIVER_NAME}`)) {
    problems.push(`${ATTRIBUTES_FILE} does not route ${TOWN_DIR_NAME}/ to the merge driver (a line "${MERGE_ATTRIBUTES_LINE}")`);
  }
  return problems;
}

/** Sets the config and, where the line is missing, appends it to .gitattributes and commits that file alone. */
export async function registerMergeDriver(town: Town, actor: string): Promise<CommitOutcome> {
  await configureMergeDriver(town.root);
  if (attributesWithDriver(readAttributes(town.root)) === null) return { status: 'unchanged' };
  const { commit } = await transact(town, (writer) => {
    const attributes = attributesWithDriver(readAttributes(town.root));
    if (attributes !== null) writer.write(ATTRIBUTES_FILE, attributes);
    return { result: undefined, change: { action: 'init', agent: actor, summary: 'register the town merge driver in .gitattributes' } };
  });
  return commit;
}

/** Registers what is missing (tt sync runs this before merging); returns whether anything was. */
export async function ensureMergeDriver(town: Town, actor: string): Promise<boolean> {
  if ((await mergeSetupProblems(town)).length === 0) return false;
  await registerMergeDriver(town, actor);
  return true;
}
