/**
 * Commit messages and the git calls around a commit that are not the write
 * path itself (that is commit-builder.ts: a tt write is built from objects).
 */
import { CONFIGURED_IDENTITY_ONLY } from './identity.js';
import { type GitTask } from './task.js';

export type Trailer = readonly [key: string, value: string];

/** Subject, optional body, then the trailer block: git joins `-m` paragraphs with blank lines. */
export function messageParagraphs({ subject, body, trailers }: { subject: string; body?: string | undefined; trailers: readonly Trailer[] }): string[] {
  const parts = [oneLine(subject)];
  // Body lines are indented: no text a user wrote can begin a line, so none can pass for a trailer (`git log --grep '^Reviewed-by:'`).
  if (body?.trim()) parts.push(body.trim().split(/\r?\n|\r/).map((line) => (line.trim() ? `    ${line}` : '')).join('\n'));
  if (trailers.length > 0) parts.push(trailers.map(([key, value]) => `${oneLine(key)}: ${oneLine(value)}`).join('\n'));
  return parts;
}

/** One line of a commit message: every run of whitespace (line breaks, tabs, Unicode separators) one space. */
function oneLine(text: string): string {
  return text.replace(/[\s\u0085]+/g, ' ').trim();
}

/**
 * `git commit` ends with `git maintenance run --auto`, which nearly always
 * finds nothing to do; a tt write (built with plumbing, which runs none) asks
 * for it after one write in AUTO_MAINTENANCE_EVERY, chosen at random, so the
 * loose objects of a town only tt commits to still get packed, under the
 * repository's own maintenance settings.
 */
const AUTO_MAINTENANCE_EVERY = 32;

export function maintenanceDue(random = Math.random()): boolean {
  return random < 1 / AUTO_MAINTENANCE_EVERY;
}

export const autoMaintenanceTask = (): GitTask<void> => ({
  args: ['maintenance', 'run', '--auto', '--quiet'],
  blocking: true,
  parse: () => undefined,
});

/** Concludes a merge that stopped on conflicts since resolved, with the message git prepared. */
export const concludeMergeTask = (env: Record<string, string>): GitTask<void> => ({
  // strip: MERGE_MSG lists the conflicts as comment lines, which would bury the trailers.
  args: [...CONFIGURED_IDENTITY_ONLY, 'commit', '--no-edit', '--cleanup=strip', '--no-verify', '--quiet'],
  env,
  parse: () => undefined,
});
