/**
 * Commit messages and the git calls around a commit that are not the write
 * path itself (that is commit-builder.ts: a tt write is built from objects).
 */
import { CONFIGURED_IDENTITY_ONLY } from './identity.js';
import { type GitTask } from './task.js';

export type Trailer = readonly [key: string, value: string];

/** Subject, optional body, then the trailer block: git joins `-m` paragraphs with blank lines. */
export function messageParagraphs({ subject, body, trailers }: { subject: string; body?: string | undefined; trailers: readonly Trailer[] }): string[] {
  const parts = [clip(oneLine(subject))];
  // Body lines are indented: no text a user wrote can begin a line, so none can pass for a trailer (`git log --grep '^Reviewed-by:'`).
  if (body?.trim()) {
    const lines = body.trim().split(/\r?\n|\r/);
    const kept = lines.slice(0, MAX_BODY_LINES).map((line) => (line.trim() ? `    ${clip(line)}` : ''));
    if (lines.length > MAX_BODY_LINES) kept.push(`    … ${lines.length - MAX_BODY_LINES} more lines`);
    parts.push(kept.join('\n'));
  }
  if (trailers.length > 0) parts.push(trailers.map(([key, value]) => `${clip(oneLine(key))}: ${clip(oneLine(value))}`).join('\n'));
  return parts;
}

/**
 * Each paragraph is one argv string, and Linux refuses a single argument over
 * 128 KiB (E2BIG): a town file may hold 1 MiB of one line (a title, a
 * message), so what a commit message quotes of user text is clipped.
 */
const MAX_LINE_CHARS = 200;
const MAX_BODY_LINES = 100;

function clip(line: string): string {
  return line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS - 1)}…` : line;
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
