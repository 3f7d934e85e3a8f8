/**
 * git's settings for a commit (`git var -l`, git/commit-settings.ts) kept in
 * `.git/tinytown/cache/git-settings.json` between tt processes: a write then
 * starts one git process fewer (about 10 ms on a small machine, where a whole
 * `tt send` is about 180 ms).
 *
 * The listing is reused only while everything it was made from is as it was
 * (git/settings-sources.ts: the configuration files by stat, absent ones
 * included, and the environment), under the one cache rule
 * (store/stat-cache.ts): a file changed within the racy window of the moment
 * the listing was made is never kept. The identities' dates are the clock's
 * at the moment of use, as git's would be.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import { commitSettingsListingTask, parseCommitSettings, type CommitSettings } from '../git/commit-settings.js';
import { configFiles, environmentKey, isKeepable, settingsNow } from '../git/settings-sources.js';
import { runTask } from '../git/task.js';
import { statePaths } from '../store/state-dir.js';
import { fingerprint, isFingerprint, isSettled, sameFingerprint, type Fingerprint } from '../store/stat-cache.js';

const VERSION = 1;

interface Kept {
  version: typeof VERSION;
  key: string;
  files: Array<[file: string, stamp: Fingerprint | null]>;
  listing: string;
}

function isKept(value: unknown): value is Kept {
  const kept = value as Partial<Kept> | null;
  return kept?.version === VERSION && typeof kept.key === 'string' && typeof kept.listing === 'string' && Array.isArray(kept.files)
    && kept.files.every((entry) => Array.isArray(entry) && typeof entry[0] === 'string' && (entry[1] === null || isFingerprint(entry[1])));
}

/** A config file's fingerprint (following a symlink, as git reads it); null when there is none. */
function stampOf(file: string): Fingerprint | null {
  try {
    return fingerprint(statSync(file));
  } catch {
    return null;
  }
}

/** The file is as its kept stamp says (absent where the stamp is null), by the one cache rule's fingerprint. */
function unchanged(file: string, stamp: Fingerprint | null): boolean {
  let stat: Stats;
  try {
    stat = statSync(file);
  } catch {
    return stamp === null;
  }
  return stamp !== null && sameFingerprint(stat, stamp);
}

export const gitSettingsCacheFile = (root: string) => path.join(statePaths.cacheDir(root), 'git-settings.json');

/** The settings for a commit in the repository of the town at `root`: kept, or listed by git (and kept when they may be). */
export async function loadCommitSettings(root: string, top: string, gitDir: string, env: NodeJS.ProcessEnv = process.env): Promise<CommitSettings> {
  const file = gitSettingsCacheFile(root);
  const key = environmentKey(gitDir, env);
  const files = configFiles(gitDir, env);
  try {
    const kept: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (isKept(kept) && kept.key === key && kept.files.length === files.length
      && kept.files.every(([name, stamp], i) => name === files[i] && unchanged(name, stamp))) {
      return settingsNow(kept.listing, env, Date.now());
    }
  } catch {
    // none kept yet, or unreadable: ask git
  }
  // Stats first: a file changed after them makes the kept stamps differ from the next look.
  const listedFrom = Date.now();
  const stamps = files.map((name): [string, Fingerprint | null] => [name, stampOf(name)]);
  const listing = await runTask(top, commitSettingsListingTask());
  const settings = parseCommitSettings(listing);
  if (isKeepable(settings, listedFrom) && stamps.every(([, stamp]) => stamp === null || isSettled(stamp, listedFrom))) {
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify({ version: VERSION, key, files: stamps, listing } satisfies Kept));
      renameSync(temp, file);
    } catch {
      // a cache is an optimisation: a write never fails because it cannot be kept
    }
  }
  return settings;
}
