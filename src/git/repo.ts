/** Questions about the repository and small changes to its config and index, each a task (task.ts). */
import { type GitTask, lines, records, succeeded, text, value } from './task.js';

const required = (what: string) => (result: { stdout: string }): string => {
  const answer = result.stdout.trim();
  if (!answer) throw new Error(`git gave no ${what}`);
  return answer;
};

/** The work tree's top folder ('' in a bare repository). */
export const topLevelTask = (): GitTask<string> => ({
  args: ['rev-parse', '--show-toplevel'],
  parse: (result) => result.stdout.trim(),
});

/** The checked-out branch's short name; undefined when HEAD is detached. */
export const currentBranchTask = (): GitTask<string | undefined> => ({
  args: ['symbolic-ref', '--quiet', '--short', 'HEAD'],
  okExitCodes: [1],
  parse: value,
});

/** origin's default branch as `origin/<name>`, when the clone knows it. */
export const remoteDefaultBranchTask = (): GitTask<string | undefined> => ({
  args: ['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD'],
  okExitCodes: [1, 128],
  parse: value,
});

export const remotesTask = (): GitTask<string[]> => ({ args: ['remote'], parse: lines });

/** A config value; undefined when unset. */
export const configGetTask = (key: string): GitTask<string | undefined> => ({
  args: ['config', '--get', key],
  okExitCodes: [1],
  parse: value,
});

export const configSetTask = (key: string, configValue: string): GitTask<void> => ({
  args: ['config', key, configValue],
  parse: () => undefined,
});

/** `git check-attr <attribute> -- <path>`'s line, e.g. `.tinytown/town.yml: merge: tinytown`. */
export const checkAttrTask = (attribute: string, file: string): GitTask<string> => ({
  args: ['check-attr', attribute, '--', file],
  parse: (result) => result.stdout.trim(),
});

/** The full id of a revision that must exist. */
export const revParseTask = (revision: string): GitTask<string> => ({
  args: ['rev-parse', revision],
  parse: required(`commit for ${revision}`),
});

/** The commit a revision names, or undefined when it names none. */
export const verifyCommitTask = (revision: string): GitTask<string | undefined> => ({
  args: ['rev-parse', '--verify', '--quiet', `${revision}^{commit}`],
  okExitCodes: [1, 128],
  parse: value,
});

/** Does a revision (e.g. `HEAD^2`) exist? */
export const revisionExistsTask = (revision: string): GitTask<boolean> => ({
  args: ['rev-parse', '--verify', '--quiet', revision],
  okExitCodes: [1],
  parse: succeeded,
});

export const mergeBaseTask = (a: string, b: string): GitTask<string | undefined> => ({
  args: ['merge-base', a, b],
  okExitCodes: [1],
  parse: value,
});

export const countCommitsTask = (range: string): GitTask<number> => ({
  args: ['rev-list', '--count', range],
  parse: (result) => Number(result.stdout.trim()),
});

/** Paths with unresolved conflicts, relative to the top of the work tree. */
export const unmergedPathsTask = (): GitTask<string[]> => ({
  args: ['diff', '--name-only', '--no-relative', '--diff-filter=U'],
  parse: lines,
});

/** The index stages (1 base, 2 ours, 3 theirs) present for each unmerged path. */
export const unmergedStagesTask = (): GitTask<Map<string, Set<string>>> => ({
  args: ['ls-files', '-u', '-z'],
  parse: (result) => {
    const stages = new Map<string, Set<string>>();
    for (const record of records(result)) {
      const [info, file] = record.split('\t') as [string, string];
      const stage = info.split(' ')[2]!;
      stages.set(file, (stages.get(file) ?? new Set()).add(stage));
    }
    return stages;
  },
});

export const addPathTask = (file: string): GitTask<void> => ({ args: ['add', '--', file], parse: () => undefined });

export const removeFromIndexTask = (file: string): GitTask<void> => ({
  args: ['rm', '--cached', '--quiet', '--', file],
  parse: () => undefined,
});

/** A file's text at HEAD, or undefined when HEAD has none. `./` makes the path relative to cwd. */
export const committedTextTask = (rel: string): GitTask<string | undefined> => ({
  args: ['show', `HEAD:./${rel}`],
  okExitCodes: [128],
  parse: (result) => (result.exitCode === 0 ? text(result) : undefined),
});

/**
 * The blob ids HEAD's tree holds for these paths (relative to the current
 * folder); none on an unborn branch. Reads only the trees along the paths —
 * never the index, which in a repository of 100,000 files costs a read of
 * megabytes per call. Literal pathspecs: a hand-made file may be called "a*b.md".
 */
export const committedBlobsTask = (paths: readonly string[]): GitTask<Map<string, string>> => ({
  args: ['--literal-pathspecs', 'ls-tree', '-z', 'HEAD', '--', ...paths],
  okExitCodes: [128],
  parse: (result) => {
    const entries = new Map<string, string>();
    if (result.exitCode !== 0) return entries;
    for (const record of result.stdout.split('\0')) {
      const match = /^\d+ blob ([0-9a-f]+)\t(.*)$/s.exec(record);
      if (match) entries.set(match[2]!, match[1]!);
    }
    return entries;
  },
});

/** Untracked, not ignored files under a folder. */
export const untrackedPathsTask = (folder: string): GitTask<string[]> => ({
  args: ['ls-files', '-z', '-o', '--exclude-standard', '--', folder],
  parse: records,
});

/** Files under a folder that git tracks (in the index), relative to cwd. */
export const trackedPathsTask = (folder: string): GitTask<string[]> => ({
  args: ['ls-files', '-z', '--', folder],
  blocking: true,
  parse: records,
});

/** Files under a folder whose work-tree content differs from the index, relative to cwd. */
export const changedPathsTask = (folder: string): GitTask<string[]> => ({
  args: ['diff', '--name-only', '-z', '--no-renames', '--relative', '--', folder],
  parse: records,
});

export interface StatusEntry {
  /** The two status letters (`XY`), e.g. `??`, ` M`. */
  code: string;
  path: string;
}

/** `git status --porcelain` for a folder; empty outside a work tree (exit 128). */
export const statusTask = (folder: string): GitTask<StatusEntry[]> => ({
  args: ['status', '--porcelain', '--untracked-files=all', '--', folder],
  okExitCodes: [128],
  parse: (result) => lines(result).map((line) => ({ code: line.slice(0, 2), path: line.slice(3).replace(/^"|"$/g, '') })),
});

/** The checked-out branch's full ref (`refs/heads/main`); undefined when HEAD is detached. */
export const headRefTask = (): GitTask<string | undefined> => ({
  args: ['symbolic-ref', '--quiet', 'HEAD'],
  okExitCodes: [1],
  parse: value,
});

/** `sha1` or `sha256`. */
export const objectFormatTask = (): GitTask<string> => ({
  args: ['rev-parse', '--show-object-format'],
  blocking: true,
  parse: required('object format'),
});

/** Objects and a branch update from a fast-import stream (one pack, however many files). */
export const fastImportTask = (stream: string): GitTask<void> => ({
  args: ['fast-import', '--quiet'],
  input: stream,
  parse: () => undefined,
});

/** Index entries set from `update-index --index-info` lines (`<mode> <blob>\t<path>`); no other entry changes. */
export const setIndexEntriesTask = (indexInfo: string): GitTask<void> => ({
  args: ['update-index', '--index-info'],
  input: indexInfo,
  parse: () => undefined,
});

/** The index's stat data refreshed (exit 1 when some entry needs updating: an answer, not a failure). */
export const refreshIndexTask = (): GitTask<void> => ({
  args: ['update-index', '-q', '--refresh'],
  okExitCodes: [1],
  parse: () => undefined,
});

/** Paths staged for the next commit (renames as a deletion and an addition), relative to the top of the work tree. */
export const stagedPathsTask = (): GitTask<string[]> => ({
  args: ['diff', '--cached', '--name-only', '-z', '--no-renames', '--no-relative'],
  parse: records,
});
