/**
 * What a commit needs to know of git's settings, from one `git var -l`: the
 * repository's whole configuration as git reads it (system, global, local,
 * worktree, includes, `-c`), then git's own committer and author identities
 * (name, email and date, honouring GIT_COMMITTER_* / GIT_AUTHOR_* in the
 * environment). One process replaces `git config commit.gpgSign` plus the
 * committer identity `git commit-tree` used to work out.
 *
 * The one thing `git var -l` does not say is whether the committer is
 * *configured*: it prints a guessed identity (user@host) where a commit
 * would refuse one. tt's rule (DESIGN §2) is the configured user, else the
 * tinytown identity; the test is git's own, `user.useConfigOnly=true` with a
 * strict identity (identity.ts). Read from the listing:
 *
 * - configured: the name from GIT_COMMITTER_NAME or user.name, with a
 *   character git keeps, and the email from GIT_COMMITTER_EMAIL or user.email.
 *   Then git's strict identity is exactly the one listed (ident.c differs
 *   between strict and not only in when it gives up).
 * - missing: no source at all for the name or for the email (no variable, no
 *   user.*, committer.* or author.* key). git gives up: the tinytown identity.
 * - anything else (committer.* or author.* keys, an empty or punctuation-only
 *   name) depends on git's version and details: git is asked, strictly, as before.
 */
import { GitError } from '../errors.js';
import { CONFIGURED_IDENTITY_ONLY } from './identity.js';
import { type GitTask } from './task.js';

export interface CommitSettings {
  /** Every config value by lower-cased key, in git's order (null: a key with no `=`, an implicit true). */
  config: ReadonlyMap<string, ReadonlyArray<string | null>>;
  /** `Name <email> <seconds> <zone>`, as git formats it (not strict: possibly guessed). */
  committerIdent: string;
  /** `<seconds> <zone>` of the author's date (GIT_AUTHOR_DATE or now). */
  authorDate: string;
}

export const commitSettingsTask = (): GitTask<CommitSettings> => ({
  args: ['var', '-l'],
  blocking: true,
  parse: (result) => parseCommitSettings(result.stdout),
});

/** The same listing as text, for a caller that keeps it (app/git-settings-cache.ts). */
export const commitSettingsListingTask = (): GitTask<string> => ({ ...commitSettingsTask(), parse: (result) => result.stdout });

/** The committer git itself would use, strictly; undefined when it refuses (no configured identity). */
export const strictCommitterTask = (): GitTask<string | undefined> => ({
  args: [...CONFIGURED_IDENTITY_ONLY, 'var', 'GIT_COMMITTER_IDENT'],
  okExitCodes: [128],
  blocking: true,
  parse: (result) => (result.exitCode === 0 ? result.stdout.replace(/\n$/, '') : undefined),
});

export function parseCommitSettings(stdout: string): CommitSettings {
  const lines = stdout.split('\n');
  // git prints the configuration, then its variables: the last lines named so are the variables.
  const varLine = (name: string) => {
    for (let i = lines.length - 1; i >= 0; i--) if (lines[i]!.startsWith(`${name}=`)) return i;
    return -1;
  };
  const committerAt = varLine('GIT_COMMITTER_IDENT');
  const authorAt = varLine('GIT_AUTHOR_IDENT');
  if (committerAt < 0 || authorAt < 0) throw new GitError('git var -l named no committer or author identity', ['var', '-l'], '');
  const config = new Map<string, Array<string | null>>();
  for (const line of lines.slice(0, Math.min(committerAt, authorAt))) {
    if (!line) continue;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq);
    const values = config.get(key) ?? [];
    values.push(eq < 0 ? null : line.slice(eq + 1));
    config.set(key, values);
  }
  const committerIdent = lines[committerAt]!.slice('GIT_COMMITTER_IDENT='.length);
  const authorDate = identDate(lines[authorAt]!);
  identDate(committerIdent);
  return { config, committerIdent, authorDate };
}

/** The `<seconds> <zone>` that ends an identity line. */
export function identDate(ident: string): string {
  const date = /> (\d+ [+-]\d{4})$/.exec(ident)?.[1];
  if (!date) throw new GitError(`git answered an identity without a date: ${ident}`, ['var', '-l'], '');
  return date;
}

/** A key's last value (git's rule for a single-valued key); undefined when unset. */
export function lastValue(settings: Pick<CommitSettings, 'config'>, key: string): string | null | undefined {
  return settings.config.get(key)?.at(-1);
}

const has = (settings: Pick<CommitSettings, 'config'>, ...keys: string[]) => keys.some((key) => settings.config.has(key));

/** git's boolean config values (git_parse_maybe_bool, with its k/m/g integer suffixes); undefined for a value git refuses. */
export function gitBoolean(value: string | null): boolean | undefined {
  if (value === null) return true;
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === 'yes' || lower === 'on') return true;
  if (lower === 'false' || lower === 'no' || lower === 'off' || lower === '') return false;
  const number = /^\s*([+-]?\d+)([kmg]?)$/i.exec(value);
  return number ? Number(number[1]) !== 0 : undefined;
}

/** A boolean setting, false when unset; a value git would refuse is refused here too, naming the key. */
export function booleanSetting(settings: Pick<CommitSettings, 'config'>, key: string): boolean {
  const value = lastValue(settings, key);
  if (value === undefined) return false;
  const answer = gitBoolean(value);
  if (answer === undefined) throw new GitError(`bad boolean config value '${value}' for '${key}' (fix it with git config)`, ['var', '-l'], '');
  return answer;
}

/** Characters git strips from the ends of an identity's name (ident.c "crud"); a name of only these is refused. */
const isCrud = (char: string) => char <= ' ' || '.,:;<>"\\\''.includes(char);

export type CommitterAnswer =
  | { kind: 'configured'; ident: string }
  | { kind: 'missing' }
  /** Only git can tell: ask strictCommitterTask. */
  | { kind: 'ask' };

/** The committer rule applied to the listing and the environment git ran with (see the header). */
export function committerOf(settings: CommitSettings, env: Readonly<Record<string, string | undefined>>): CommitterAnswer {
  let email: 'given' | 'unclear' | 'missing';
  if (env.GIT_COMMITTER_EMAIL !== undefined) email = 'given';
  else if (has(settings, 'committer.email', 'author.email')) email = 'unclear';
  else email = has(settings, 'user.email') ? 'given' : 'missing';
  let name: string | null | undefined;
  let nameState: 'given' | 'unclear' | 'missing';
  if (env.GIT_COMMITTER_NAME !== undefined) {
    name = env.GIT_COMMITTER_NAME;
    nameState = 'given';
  } else if (has(settings, 'committer.name', 'author.name')) {
    nameState = 'unclear';
  } else if (has(settings, 'user.name')) {
    name = lastValue(settings, 'user.name');
    nameState = 'given';
  } else {
    nameState = 'missing';
  }
  if (email === 'missing' || nameState === 'missing') return { kind: 'missing' };
  if (email === 'unclear' || nameState === 'unclear' || typeof name !== 'string' || [...name].every(isCrud)) return { kind: 'ask' };
  return { kind: 'configured', ident: settings.committerIdent };
}

/** Does core.fsync (git ≥ 2.36: a list of components and aggregates) name any of `parts`? */
function fsyncNames(settings: Pick<CommitSettings, 'config'>, parts: readonly string[]): boolean {
  const value = lastValue(settings, 'core.fsync');
  return typeof value === 'string' && value.split(',').some((part) => parts.includes(part.trim().toLowerCase()));
}

/**
 * Does the repository ask git to fsync loose objects? core.fsync (added to a
 * default that has no loose objects, so only a part that includes them
 * matters) or the older core.fsyncObjectFiles.
 */
export function fsyncLooseObjects(settings: Pick<CommitSettings, 'config'>): boolean {
  return booleanSetting(settings, 'core.fsyncobjectfiles') || fsyncNames(settings, ['loose-object', 'objects', 'committed', 'added', 'all']);
}

/** Does core.fsync name the index (its `index` component, or an aggregate holding it)? */
export function fsyncIndex(settings: Pick<CommitSettings, 'config'>): boolean {
  return fsyncNames(settings, ['index', 'added', 'all']);
}

/** Does core.fsync name references (`reference`, or an aggregate holding it)? */
export function fsyncReferences(settings: Pick<CommitSettings, 'config'>): boolean {
  return fsyncNames(settings, ['reference', 'committed', 'added', 'all']);
}

/** The commit object git writes for these (commit-tree, no encoding header: see commit-builder.ts for when it would add one). */
export function commitBody(tree: string, parent: string | undefined, author: string, committer: string, message: string): Buffer {
  return Buffer.from(`tree ${tree}\n${parent ? `parent ${parent}\n` : ''}author ${author}\ncommitter ${committer}\n\n${message}`, 'utf8');
}

/**
 * Text git's commit-tree keeps byte for byte: no NUL, and none of the code
 * points its UTF-8 check (commit.c verify_utf8) rewrites — noncharacters
 * U+FDD0–U+FDEF and U+xFFFE/U+xFFFF. (A JavaScript string's lone surrogates
 * are already U+FFFD in its UTF-8.)
 */
export function keptAsIs(text: string): boolean {
  for (const char of text) {
    const cp = char.codePointAt(0)!;
    if (cp === 0 || (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe) return false;
  }
  return true;
}
