/**
 * `tt sync`'s porcelain: fetch, merge, push — through simple-git (porcelain.ts),
 * for its typed results and its progress events, shown on stderr when stderr
 * is a terminal.
 *
 * Each call is still described as data first (`fetchArgs`, `mergeArgs`,
 * `pushArgs`: the argv after simple-git's own additions, asserted in
 * test/unit/git-commands.test.ts); simple-git runs it and parses the answer.
 */
import { CONFIGURED_IDENTITY_ONLY } from './identity.js';
import { porcelain, settle, type PorcelainOptions, type PorcelainOutcome } from './porcelain.js';

export type { PorcelainFailure } from './porcelain.js';

/** argv of the fetch of one remote branch (its commit lands in FETCH_HEAD). `--quiet` only without progress. */
export function fetchArgs(remote: string, ref: string, progress = false): string[] {
  return ['fetch', ...(progress ? ['--progress'] : ['--quiet']), '--no-tags', remote, ref];
}

export async function fetchRef(options: PorcelainOptions, remote: string, ref: string): Promise<PorcelainOutcome<{ updated: number }>> {
  const session = await porcelain(options);
  // simple-git adds --progress itself when it reports progress; it puts remote and ref last.
  const flags = options.progress ? ['--no-tags'] : ['--quiet', '--no-tags'];
  return settle(session, fetchArgs(remote, ref, options.progress), session.git.fetch(remote, ref, flags).then((result) => ({ updated: result.updated.length })));
}

/** argv of `tt sync`'s merge: a merge commit (or fast-forward) with the given message paragraphs, never an editor. */
export function mergeArgs(commit: string, paragraphs: readonly string[]): string[] {
  return [...CONFIGURED_IDENTITY_ONLY, 'merge', ...mergeFlags(commit, paragraphs)];
}

function mergeFlags(commit: string, paragraphs: readonly string[]): string[] {
  return ['--ff', '--no-edit', '--no-stat', '--no-verify', ...paragraphs.flatMap((p) => ['-m', p]), commit];
}

export interface MergeOutcome {
  /** Files git merged with a merge driver or its own three-way merge. */
  merged: string[];
}

/** A failure (conflicts, or a merge that refused to start) is returned with git's output, not thrown. */
export async function mergeCommit(options: PorcelainOptions, commit: string, paragraphs: readonly string[]): Promise<PorcelainOutcome<MergeOutcome>> {
  const session = await porcelain({ ...options, config: [...(options.config ?? []), CONFIGURED_IDENTITY_ONLY[1]] });
  return settle(session, mergeArgs(commit, paragraphs), session.git.merge(mergeFlags(commit, paragraphs)).then((result) => ({ merged: result.merges })));
}

/** argv of the push of HEAD to one remote ref (simple-git adds --verbose --porcelain). */
export function pushArgs(remote: string, ref: string): string[] {
  return ['push', remote, `HEAD:${ref}`, '--verbose', '--porcelain'];
}

export interface PushOutcome {
  /** The remote refs the push updated. */
  pushed: string[];
}

export async function pushHead(options: PorcelainOptions, remote: string, ref: string): Promise<PorcelainOutcome<PushOutcome>> {
  const session = await porcelain(options);
  return settle(session, pushArgs(remote, ref), session.git.push(remote, `HEAD:${ref}`).then((result) => ({ pushed: result.pushed.map((entry) => entry.remote) })));
}
