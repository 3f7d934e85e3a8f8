/** `tt init`: a new town, or the local set-up of a cloned one. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { CONDUCTOR } from '../core/types.js';
import { topLevelTask } from '../git/repo.js';
import { runTask } from '../git/task.js';
import { formatAgent } from '../store/records.js';
import { readTownConfig, setConfigValue } from '../store/config.js';
import { findGitDir, townPaths } from '../store/paths.js';
import { transact, type CommitOutcome } from './transaction.js';
import { openTown, type Town } from '../store/town.js';
import { templatePath } from '../package-root.js';
import { newAgent } from './agents.js';
import { ATTRIBUTES_FILE, attributesWithDriver, configureMergeDriver, readAttributes, registerMergeDriver } from './merge-setup.js';

export interface InitOptions {
  cwd: string;
  name?: string | undefined;
  now: () => Date;
}

export interface InitResult {
  town: Town;
  created: boolean;
  commit: CommitOutcome;
}

async function workTreeRoot(cwd: string): Promise<string> {
  if (!findGitDir(cwd)) throw new UsageError(`${cwd} is not in a git repository: Tinytown keeps its state in git; run \`git init\` first`);
  const root = await runTask(cwd, topLevelTask());
  if (!root) throw new UsageError('tt init needs a work tree (this looks like a bare repository)');
  return root;
}

export async function initTown({ cwd, name, now }: InitOptions): Promise<InitResult> {
  const root = await workTreeRoot(cwd);
  if (existsSync(path.join(root, townPaths.config))) {
    readTownConfig(root); // a clone with a damaged town.yml should say so now
    const town = openTown({ cwd: root, env: {} });
    // Repo config is not cloned: a fresh clone registers the merge driver again.
    return { town, created: false, commit: await registerMergeDriver(town, CONDUCTOR) };
  }
  const townName = name?.trim() || path.basename(root);
  const configText = await setConfigValue(readFileSync(templatePath('town.yml'), 'utf8'), 'name', townName);
  // town.yml goes down first so the town can be opened (and locked) like any other.
  mkdirSync(path.dirname(path.join(root, townPaths.config)), { recursive: true });
  writeFileSync(path.join(root, townPaths.config), configText);
  const town = openTown({ cwd: root, env: {} });
  const { commit } = await transact(town, (writer) => {
    writer.write(townPaths.config, configText);
    writer.write(townPaths.gitignore, 'run/\n');
    const conductor = newAgent({ name: CONDUCTOR, role: 'conductor', cli: town.config.default_cli, nickname: null, parent: null }, now());
    writer.write(townPaths.agent(CONDUCTOR), formatAgent(conductor));
    // The one path outside .tinytown/ tt commits (DESIGN §3): it routes town files to the merge driver.
    const attributes = attributesWithDriver(readAttributes(root));
    if (attributes !== null) writer.write(ATTRIBUTES_FILE, attributes);
    return { result: undefined, change: { action: 'init', agent: CONDUCTOR, summary: `town ${townName}` } };
  });
  await configureMergeDriver(root);
  return { town, created: true, commit };
}
