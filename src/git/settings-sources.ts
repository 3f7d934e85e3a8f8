/**
 * What `git var -l` answers from, so that its answer can be kept between tt
 * processes (app/git-settings-cache.ts) instead of costing every write a git
 * process (~10 ms of fork, exec and git's start-up on a small machine):
 *
 * - the configuration files git reads: system, global (both XDG and ~),
 *   the repository's, the worktree's, or the ones GIT_CONFIG_SYSTEM /
 *   GIT_CONFIG_GLOBAL name — each by its stat, absent ones too (creating one
 *   changes the answer);
 * - the environment git sees (every GIT_* variable, which covers `-c` as
 *   GIT_CONFIG_PARAMETERS/COUNT, the identity and date variables; HOME,
 *   XDG_CONFIG_HOME, EMAIL, the user and zone), the user id and host name
 *   (git guesses an identity from them), and git's program itself;
 * - the clock: the two identities end with "now", which is put back at the
 *   moment of use (`settingsNow`), unless GIT_*_DATE fixes it.
 *
 * A listing with an include (`include.path`, `includeIf.*`) is never kept:
 * an `onbranch:` condition changes with a checkout, and a missing include
 * target can appear without any of the files above changing.
 */
import { hostname } from 'node:os';
import path from 'node:path';
import { commonDir } from './git-dir.js';
import { gitProgram } from './run-git.js';
import { parseCommitSettings, type CommitSettings } from './commit-settings.js';

/** Variables outside GIT_* that change what git lists or guesses. */
const OTHER_VARIABLES = ['HOME', 'XDG_CONFIG_HOME', 'EMAIL', 'USER', 'LOGNAME', 'TZ', 'PREFIX'] as const;

/** The files whose stats decide whether a kept listing still holds (absent ones included). */
export function configFiles(gitDir: string, env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  const files: string[] = [];
  if (!env.GIT_CONFIG_NOSYSTEM) {
    if (env.GIT_CONFIG_SYSTEM !== undefined) files.push(env.GIT_CONFIG_SYSTEM);
    else files.push('/etc/gitconfig', path.resolve(path.dirname(gitProgram()), '..', 'etc', 'gitconfig'));
  }
  if (env.GIT_CONFIG_GLOBAL !== undefined) {
    files.push(env.GIT_CONFIG_GLOBAL);
  } else {
    const home = env.HOME ?? '';
    files.push(path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'git', 'config'), path.join(home, '.gitconfig'));
  }
  files.push(path.join(commonDir(gitDir), 'config'), path.join(gitDir, 'config.worktree'));
  return [...new Set(files.filter((file) => file !== '' && file !== '/dev/null').map((file) => path.resolve(file)))];
}

/** Everything besides files and the clock that `git var -l` depends on, as one string. */
export function environmentKey(gitDir: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const variables = Object.keys(env)
    .filter((key) => (key.startsWith('GIT_') && !key.startsWith('GIT_TRACE')) || (OTHER_VARIABLES as readonly string[]).includes(key))
    .sort()
    .map((key) => [key, env[key]]);
  return JSON.stringify([gitDir, gitProgram(), process.getuid?.() ?? -1, hostname(), variables]);
}

/** A listing may be kept: no include, and the zone it was made in is the one this process computes (see settingsNow). */
export function isKeepable(settings: CommitSettings, listedAtMs: number): boolean {
  for (const key of settings.config.keys()) if (key.startsWith('include.') || key.startsWith('includeif.')) return false;
  return settings.committerIdent.endsWith(` ${gitDate(Math.floor(listedAtMs / 1000))}`)
    || settings.committerIdent.endsWith(` ${gitDate(Math.floor(listedAtMs / 1000) + 1)}`);
}

/** `<seconds> <±hhmm>` as git writes a date: the local zone at that moment (git's local_tzoffset). */
export function gitDate(seconds: number): string {
  const offset = -new Date(seconds * 1000).getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const minutes = Math.abs(offset);
  return `${seconds} ${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}${String(minutes % 60).padStart(2, '0')}`;
}

/** A kept listing's settings, with the identities' dates at `nowMs` where git would have read the clock. */
export function settingsNow(listing: string, env: Readonly<Record<string, string | undefined>>, nowMs: number): CommitSettings {
  const settings = parseCommitSettings(listing);
  const now = gitDate(Math.floor(nowMs / 1000));
  return {
    ...settings,
    committerIdent: env.GIT_COMMITTER_DATE ? settings.committerIdent : settings.committerIdent.replace(/\d+ [+-]\d{4}$/, now),
    authorDate: env.GIT_AUTHOR_DATE ? settings.authorDate : now,
  };
}
